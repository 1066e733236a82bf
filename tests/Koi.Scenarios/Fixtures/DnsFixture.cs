using Koi.Scenarios.Harness;

namespace Koi.Scenarios.Fixtures;

/// <summary>
/// koi's resolver on stone-a (port 53, forwarding to a dnsmasq upstream), an avahi host announcing
/// <c>_grafana._tcp</c>, and client hosts: stone-b (a plain client) and observer (also given a public address).
/// </summary>
public sealed class DnsFixture : LabFixture
{
    public const string Resolver = "stone-a";
    public const string Client = "stone-b";
    public const string Observer = "observer";
    public const string Beacon = "beacon";
    public const string Upstream = "upstream";

    /// <summary>TEST-NET-2: a "public" source address for the refusal test; routed on-link inside the lab only.</summary>
    public const string PublicClientAddress = "198.51.100.7";

    protected override string Scenario => "dns";

    protected override int Stones => 2;

    private protected override async Task BuildAsync(Lab lab, CancellationToken ct)
    {
        foreach (var host in new[] { Observer, Beacon, Upstream })
        {
            await lab.AddHostAsync(host, ct);
        }

        await Task.WhenAll(lab.StartAvahiAsync(Beacon, ct), lab.StartDnsmasqAsync(Upstream, ct));
        await lab.StartBackgroundAsync(Beacon, "publish-grafana", ["avahi-publish", "-s", "Grafana", "_grafana._tcp", "3000", "path=/"], ct);
        (await lab.RunAsync(Observer, ["ip", "addr", "add", PublicClientAddress + "/32", "dev", "eth0"], ct)).EnsureSuccess();
        (await lab.RunAsync(Resolver, ["ip", "route", "add", PublicClientAddress + "/32", "dev", "eth0"], ct)).EnsureSuccess();

        await KoiDaemon.StartAsync(lab, Resolver, ct);
        (await KoiDaemon.CliAsync(lab, Resolver, ct, "dns", "serve", "--port", "53", "--upstream", lab.AddressOf(Upstream), "--rate-limit", "20", "--rate-burst", "20")).EnsureSuccess();
        (await KoiDaemon.CliAsync(lab, Resolver, ct, "dns", "add", "nas", "10.77.0.200")).EnsureSuccess();
    }
}
