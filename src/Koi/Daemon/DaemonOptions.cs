using System.Net;
using Koi.Core.Capabilities;
using Microsoft.Extensions.Logging;

namespace Koi.Daemon;

/// <summary>Everything `koi daemon` takes from flags and environment.</summary>
internal sealed record DaemonOptions
{
    public const int DefaultHttpPort = 5641;

    public required string DataDir { get; init; }

    public IPAddress HttpBind { get; init; } = IPAddress.Loopback;

    public int HttpPort { get; init; } = DefaultHttpPort;

    /// <summary>A second listener for the dashboard (<c>--dashboard-bind</c>); null: the dashboard is on the API port only.</summary>
    public IPEndPoint? DashboardBind { get; init; }

    public LogLevel LogLevel { get; init; } = LogLevel.Information;

    /// <summary>Interfaces mDNS may use (--mdns-interface); empty means every multicast-capable LAN interface.</summary>
    public IReadOnlyList<string> MdnsInterfaces { get; init; } = [];

    /// <summary>Capabilities switched off with --no-CAP or KOI_NO_CAP=1.</summary>
    public IReadOnlySet<string> Disabled { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>What <c>config.yaml</c> in the data dir says (empty when there is none).</summary>
    public DaemonConfigFile Config { get; init; } = DaemonConfigFile.Empty;

    /// <summary>The name certmesh gives this machine instead of the system host name (env <c>KOI_HOSTNAME</c>).</summary>
    public string? HostnameOverride { get; init; }

    public TimeSpan ShutdownDrain { get; init; } = TimeSpan.FromMilliseconds(1500);

    public bool IsEnabled(string capability) => !Disabled.Contains(capability);

    public static IReadOnlySet<string> DisabledFromEnvironment(Func<string, string?> environment)
    {
        var disabled = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in CapabilityNames.All)
        {
            var value = environment($"KOI_NO_{name.ToUpperInvariant()}");
            if (value is "1" or "true" or "yes")
            {
                disabled.Add(name);
            }
        }

        return disabled;
    }
}
