using System.Globalization;
using Koi.Scenarios.Harness;

namespace Koi.Scenarios.Fixtures;

/// <summary>
/// A koi daemon on stone-a and, on a python-zeroconf host, a service whose instance name and TXT values are script
/// injections: what the dashboard on stone-a must show as inert text.
/// </summary>
public sealed class DashboardFixture : LabFixture
{
    public const string Stone = "stone-a";
    public const string Hostile = "evil";
    public const string HostileType = "_evil._tcp";
    public const int HostilePort = 8666;
    public const int DashboardPort = 5642;

    /// <summary>Would set window.__koiXss and open a dialog if it ever became markup (no dot: python-zeroconf would split the label there).</summary>
    public const string HostileInstance = "<img src=x onerror=\"window['__koiXss']=1;alert(1)\">";

    public const string HostileTxt = "note=<script>window.__koiXss=2;alert(2)</script>";

    protected override string Scenario => "dashboard";

    protected override int Stones => 1;

    private protected override async Task BuildAsync(Lab lab, CancellationToken ct)
    {
        await lab.AddHostAsync(Hostile, ct);
        await lab.StartBackgroundAsync(
            Hostile,
            "publish",
            ["/usr/bin/python3", RepoPaths.ZeroconfPublisher, HostileInstance, HostileType, HostilePort.ToString(CultureInfo.InvariantCulture), lab.AddressOf(Hostile), HostileTxt],
            ct);
        await KoiDaemon.StartAsync(lab, Stone, ct, "--dashboard-bind", $"{lab.AddressOf(Stone)}:{DashboardPort}");
    }
}
