using Koi.Scenarios.Harness;

namespace Koi.Scenarios.Fixtures;

/// <summary>
/// Three machines running koi (stone-a, stone-b, stone-c), an avahi observer and a dnsmasq upstream
/// resolver, all on one LAN.
/// </summary>
public sealed class MeshFixture : LabFixture
{
    public const string Observer = "observer";
    public const string Upstream = "upstream";

    public static readonly IReadOnlyList<string> KoiHosts = ["stone-a", "stone-b", "stone-c"];

    protected override string Scenario => "mesh";

    protected override int Stones => KoiHosts.Count;

    private protected override async Task BuildAsync(Lab lab, CancellationToken ct)
    {
        await lab.AddHostAsync(Observer, ct);
        await lab.AddHostAsync(Upstream, ct);
        await Task.WhenAll(
            lab.StartAvahiAsync(Observer, ct),
            lab.StartDnsmasqAsync(Upstream, ct),
            Task.WhenAll(KoiHosts.Select(host => KoiDaemon.StartAsync(lab, host, ct))));
    }
}
