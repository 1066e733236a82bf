using System.Globalization;
using Koi.Scenarios.Harness;

namespace Koi.Scenarios.Fixtures;

/// <summary>
/// koi's mDNS against real peers: koi daemons on stone-a and stone-b, koi next to avahi on stone-c, an avahi observer,
/// an avahi host publishing a service (beacon) and a python-zeroconf host publishing another (zc).
/// </summary>
public sealed class MdnsFixture : LabFixture
{
    public const string Observer = "observer";
    public const string Beacon = "beacon";
    public const string Zeroconf = "zc";
    public const string Coexist = "stone-c";

    public const string AvahiType = "_koilab._tcp";
    public const string AvahiInstance = "Koi Lab Beacon";
    public const int AvahiPort = 4242;

    public const string ZeroconfType = "_zclab._tcp";
    public const string ZeroconfInstance = "Zero Conf Svc";
    public const int ZeroconfPort = 4343;

    public static readonly IReadOnlyList<string> KoiHosts = ["stone-a", "stone-b", Coexist];

    protected override string Scenario => "mdns";

    protected override int Stones => KoiHosts.Count;

    private protected override async Task BuildAsync(Lab lab, CancellationToken ct)
    {
        foreach (var host in new[] { Observer, Beacon, Zeroconf })
        {
            await lab.AddHostAsync(host, ct);
        }

        await Task.WhenAll(lab.StartAvahiAsync(Observer, ct), lab.StartAvahiAsync(Beacon, ct), lab.StartAvahiAsync(Coexist, ct));
        await lab.StartBackgroundAsync(
            Beacon,
            "publish",
            ["avahi-publish", "-s", AvahiInstance, AvahiType, AvahiPort.ToString(CultureInfo.InvariantCulture), "purpose=lab"],
            ct);
        await lab.StartBackgroundAsync(
            Zeroconf,
            "publish",
            ["/usr/bin/python3", RepoPaths.ZeroconfPublisher, ZeroconfInstance, ZeroconfType, ZeroconfPort.ToString(CultureInfo.InvariantCulture), lab.AddressOf(Zeroconf), "kind=zeroconf"],
            ct);
        await Task.WhenAll(KoiHosts.Select(host => KoiDaemon.StartAsync(lab, host, ct)));
    }
}
