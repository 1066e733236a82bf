using Koi.Scenarios.Harness;

namespace Koi.Scenarios.Fixtures;

/// <summary>
/// A koi daemon on stone-b whose interface the scenarios readdress and take down, watched from an observer that runs
/// avahi and python-zeroconf, and from koi's DNS on stone-a. Its own lab, because the changes would disturb any
/// scenario sharing stone-b.
/// </summary>
public sealed class NetworkChangeFixture : LabFixture
{
    public const string Koi = "stone-b";
    public const string Resolver = "stone-a";
    public const string Observer = "observer";

    protected override string Scenario => "netchange";

    protected override int Stones => 2;

    private protected override async Task BuildAsync(Lab lab, CancellationToken ct)
    {
        await lab.AddHostAsync(Observer, ct);
        await lab.StartAvahiAsync(Observer, ct);
        await Task.WhenAll(KoiDaemon.StartAsync(lab, Koi, ct), KoiDaemon.StartAsync(lab, Resolver, ct));
        (await KoiDaemon.CliAsync(lab, Resolver, ct, "dns", "serve", "--port", "53")).EnsureSuccess();
    }
}
