using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Koi.Testing;

/// <summary>
/// Port numbers for servers a test must name before they start: a daemon's <c>--http-port</c>, a proxy entry's listen
/// port, dnsmasq's <c>--port</c>. A number the kernel picked (bind to port 0), checked and released, is back in the
/// kernel's ephemeral range, and before the server binds it the kernel may give it to any other socket of the run —
/// an outgoing connection, a UDP client's first send (bound to every address) — which then holds the server's port or
/// receives its datagrams. Numbers here come from just below that range (<c>ip_local_port_range</c>), which the kernel
/// never hands out on its own, walked in order from a random start so that no two picks of one process are the same
/// number; each is checked free on every address before it is returned.
/// </summary>
public static class TestPorts
{
    private const int RangeSize = 12_000;
    private const string EphemeralRangeFile = "/proc/sys/net/ipv4/ip_local_port_range";

    private static readonly (int Low, int High)? Range = BelowEphemeral();
    private static int _next = Range is { } range ? Random.Shared.Next(range.Low, range.High) : 0;

    /// <summary>A port free for TCP on every address (a listener on [::] or 0.0.0.0 can bind it).</summary>
    public static int Tcp() => Pick(port => TryBind(SocketType.Stream, ProtocolType.Tcp, Wildcard, port));

    /// <summary>A port free for both UDP and TCP on <paramref name="address"/> (a DNS server's pair).</summary>
    public static int UdpAndTcp(IPAddress address) => Pick(port =>
        TryBind(SocketType.Dgram, ProtocolType.Udp, address, port) && TryBind(SocketType.Stream, ProtocolType.Tcp, address, port));

    private static IPAddress Wildcard => Socket.OSSupportsIPv6 ? IPAddress.IPv6Any : IPAddress.Any;

    private static int Pick(Func<int, bool> free)
    {
        if (Range is not { } range)
        {
            // No room below the ephemeral range on this machine: the kernel's pick, with the race described above.
            return KernelPick(free);
        }

        for (var attempt = 0; attempt < 200; attempt++)
        {
            var port = range.Low + (Interlocked.Increment(ref _next) % (range.High - range.Low));
            if (free(port))
            {
                return port;
            }
        }

        throw new InvalidOperationException($"no free port in {range.Low}-{range.High - 1} after 200 tries");
    }

    private static int KernelPick(Func<int, bool> free)
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            var port = ((IPEndPoint)probe.LocalEndPoint!).Port;
            probe.Dispose();
            if (free(port))
            {
                return port;
            }
        }

        throw new InvalidOperationException("no free port after 50 tries");
    }

    private static bool TryBind(SocketType type, ProtocolType protocol, IPAddress address, int port)
    {
        using var socket = new Socket(address.AddressFamily, type, protocol);
        if (address.Equals(IPAddress.IPv6Any))
        {
            // [::] dual-stack, as the proxy's listeners: busy if the port is taken on any IPv4 or IPv6 address.
            socket.DualMode = true;
        }

        try
        {
            socket.Bind(new IPEndPoint(address, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    // The kernel's ephemeral range is "low high"; the test range ends just below low. Linux's default (32768) gives
    // 20768-32767 (below macOS's 49152 too). A range that leaves too little below it gives no test range.
    private static (int Low, int High)? BelowEphemeral()
    {
        var low = 32768;
        if (File.Exists(EphemeralRangeFile))
        {
            var fields = File.ReadAllText(EphemeralRangeFile).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 1 || !int.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out low))
            {
                return null;
            }
        }

        var start = Math.Max(1024, low - RangeSize);
        return low - start >= 1000 ? (start, low) : null;
    }
}
