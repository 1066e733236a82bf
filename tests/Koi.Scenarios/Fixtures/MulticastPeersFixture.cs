using Koi.Scenarios.Harness;

namespace Koi.Scenarios.Fixtures;

/// <summary>
/// Third-party peers only, no koi: two avahi hosts (one publishing a service), a host for
/// python-zeroconf and a dnsmasq resolver used to check packet loss.
/// </summary>
public sealed class MulticastPeersFixture : LabFixture
{
    public const string Beacon = "beacon";
    public const string Observer = "observer";
    public const string Listener = "listener";
    public const string Resolver = "resolver";

    public const string ServiceType = "_koilab._tcp";
    public const string ServiceInstance = "Koi Lab Beacon";
    public const int ServicePort = 4242;

    protected override string Scenario => "peers";

    protected override int Stones => 0;

    private protected override async Task BuildAsync(Lab lab, CancellationToken ct)
    {
        foreach (var host in new[] { Beacon, Observer, Listener, Resolver })
        {
            await lab.AddHostAsync(host, ct);
        }

        await Task.WhenAll(
            lab.StartAvahiAsync(Beacon, ct),
            lab.StartAvahiAsync(Observer, ct),
            lab.StartDnsmasqAsync(Resolver, ct));
        await lab.StartBackgroundAsync(
            Beacon,
            "publish",
            ["avahi-publish", "-s", ServiceInstance, ServiceType, ServicePort.ToString(System.Globalization.CultureInfo.InvariantCulture), "purpose=lab"],
            ct);
    }
}
