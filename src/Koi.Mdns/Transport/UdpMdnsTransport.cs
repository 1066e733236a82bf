using System.Net;
using System.Net.Sockets;
using Koi.Core.Net;
using Koi.Core.Status;
using Microsoft.Extensions.Logging;

namespace Koi.Mdns.Transport;

/// <summary>
/// mDNS over real UDP: one socket per interface and address family, each with its own receive loop reporting to
/// the status registry as <c>mdns/receive.IFACE.ipv4</c>. <see cref="Refresh"/> follows interfaces that come, go,
/// go down or change address (docs/mdns.md, "Network changes").
/// </summary>
internal sealed partial class UdpMdnsTransport(MdnsOptions options, StatusRegistry status, ILogger logger) : IMdnsTransport
{
    private const int ReceiveBufferSize = 9000; // RFC 6762 §17: the largest mDNS message

    private readonly ComponentHealth _health = status.Register("mdns", "transport");
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _refreshGate = new();
    private Action<ReceivedPacket>? _receive;
    private bool _disposed;
    private LinkSocket[] _sockets = [];
    private Dictionary<int, LinkSocket[]> _byInterface = [];

    public IReadOnlyList<MdnsInterface> Interfaces { get; private set; } = [];

    public IReadOnlyList<MdnsLink> Links { get; private set; } = [];

    public string? Problem { get; private set; }

    public Task StartAsync(Action<ReceivedPacket> receive, CancellationToken cancellationToken)
    {
        lock (_refreshGate)
        {
            _receive = receive;
            Reconcile();
        }

        return Task.CompletedTask;
    }

    public bool Refresh()
    {
        lock (_refreshGate)
        {
            return !_disposed && _receive is not null && Reconcile();
        }
    }

    public IDisposable? WatchChanges(Action changed, out string? problem) => NetworkChangeSubscription.TryStart(changed, out problem);

    /// <summary>
    /// Brings the sockets in line with the interfaces selected now. A socket whose interface, family and multicast
    /// source address are unchanged is kept (its receive loop never notices); one whose key changed is closed and
    /// opened again; a socket whose loop died is reopened too. Under <see cref="_refreshGate"/>.
    /// </summary>
    private bool Reconcile()
    {
        var interfaces = InterfaceSelector.Select(options.Interfaces, options.EnableIPv6, out var problem);
        var failures = new List<string>();
        if (problem is not null)
        {
            failures.Add(problem);
        }

        var wanted = new List<(MdnsInterface Nic, AddressFamily Family)>();
        foreach (var nic in interfaces)
        {
            if (nic.IPv4.Count > 0)
            {
                wanted.Add((nic, AddressFamily.InterNetwork));
            }

            if (options.EnableIPv6 && nic.IPv6.Count > 0)
            {
                wanted.Add((nic, AddressFamily.InterNetworkV6));
            }
        }

        var existing = _sockets.ToDictionary(s => s.Key);
        var sockets = new List<LinkSocket>();
        var toOpen = new List<(MdnsInterface Nic, AddressFamily Family)>();
        foreach (var (nic, family) in wanted)
        {
            if (existing.Remove(LinkKey.For(nic, family), out var socket) && !socket.Loop.IsCompleted)
            {
                sockets.Add(socket);
            }
            else
            {
                if (socket is not null)
                {
                    existing[socket.Key] = socket; // its loop died: close it below and open a fresh one
                }

                toOpen.Add((nic, family));
            }
        }

        // Closed before the replacements open, so a finishing loop cannot report "stopped" over its successor's state.
        foreach (var gone in existing.Values)
        {
            gone.Close();
            LogSocketClosed(logger, gone.Interface.Name, gone.Link.IsIPv6 ? "ipv6" : "ipv4");
        }

        if (existing.Count > 0)
        {
            _ = Task.WhenAll(existing.Values.Select(s => s.Loop)).Wait(TimeSpan.FromSeconds(2));
        }

        foreach (var (nic, family) in toOpen)
        {
            if (TryOpen(nic, family, failures) is { } opened)
            {
                var receive = _receive!;
                opened.Loop = Task.Run(() => ReceiveLoopAsync(opened, receive, _stopping.Token), CancellationToken.None);
                sockets.Add(opened);
            }
        }

        var changed = !SameInterfaces(Interfaces, interfaces) || existing.Count > 0 || toOpen.Count > 0;
        _sockets = [.. sockets];
        _byInterface = sockets.GroupBy(s => s.Link.InterfaceIndex).ToDictionary(g => g.Key, g => g.ToArray());
        Interfaces = interfaces;
        Links = [.. sockets.Select(s => s.Link)];
        Problem = failures.Count > 0 ? string.Join("; ", failures) : null;
        if (_sockets.Length == 0)
        {
            _health.Failed(Problem ?? "no socket could be opened");
        }
        else if (Problem is not null)
        {
            _health.Failed(Problem);
        }
        else
        {
            _health.Running($"{_sockets.Length} sockets on {string.Join(", ", interfaces.Select(i => i.Name))}");
        }

        return changed;
    }

    private static bool SameInterfaces(IReadOnlyList<MdnsInterface> a, IReadOnlyList<MdnsInterface> b)
    {
        if (a.Count != b.Count)
        {
            return false;
        }

        for (var i = 0; i < a.Count; i++)
        {
            if (a[i].Index != b[i].Index || a[i].Name != b[i].Name ||
                !a[i].IPv4.SequenceEqual(b[i].IPv4) || !a[i].IPv6.SequenceEqual(b[i].IPv6))
            {
                return false;
            }
        }

        return true;
    }

    public void Send(MdnsLink link, IPEndPoint? unicast, ReadOnlySpan<byte> packet)
    {
        if (!_byInterface.TryGetValue(link.InterfaceIndex, out var sockets))
        {
            return;
        }

        foreach (var socket in sockets)
        {
            if (socket.Link != link)
            {
                continue;
            }

            if (!socket.TrySend(packet, unicast ?? socket.Group, out var error) && error is not null)
            {
                LogSendFailed(logger, socket.Interface.Name, unicast ?? socket.Group, error.SocketErrorCode);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        lock (_refreshGate)
        {
            _disposed = true;
        }

        await _stopping.CancelAsync();
        foreach (var socket in _sockets)
        {
            socket.Dispose();
        }

        foreach (var socket in _sockets)
        {
            await socket.Loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        _health.Stopped("shut down");
        _stopping.Dispose();
    }

    private LinkSocket? TryOpen(MdnsInterface nic, AddressFamily family, List<string> failures)
    {
        var familyName = family == AddressFamily.InterNetwork ? "ipv4" : "ipv6";
        var health = status.Register("mdns", $"receive.{nic.Name}.{familyName}");
        try
        {
            return LinkSocket.Open(nic, family, health);
        }
        catch (SocketException ex)
        {
            var reason = $"cannot open {familyName} socket on {nic.Name}: {ex.SocketErrorCode}: {ex.Message}";
            health.Failed(reason);
            failures.Add(reason);
            LogOpenFailed(logger, nic.Name, familyName, ex);
            return null;
        }
    }

    private async Task ReceiveLoopAsync(LinkSocket socket, Action<ReceivedPacket> receive, CancellationToken cancellationToken)
    {
        var buffer = GC.AllocateUninitializedArray<byte>(ReceiveBufferSize);
        EndPoint any = socket.Link.IsIPv6 ? new IPEndPoint(IPAddress.IPv6Any, 0) : new IPEndPoint(IPAddress.Any, 0);
        socket.Health.Running($"listening on {socket.Group} via {socket.Interface.Name}");
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                SocketReceiveMessageFromResult result;
                try
                {
                    result = await socket.Socket.ReceiveMessageFromAsync(buffer, SocketFlags.None, any, cancellationToken);
                }
                catch (SocketException ex) when (SocketErrors.IsTransient(ex.SocketErrorCode))
                {
                    continue;
                }

                var target = Route(socket, result.PacketInformation);
                if (target is null)
                {
                    continue;
                }

                try
                {
                    receive(new ReceivedPacket(target.Value, (IPEndPoint)result.RemoteEndPoint, buffer.AsMemory(0, result.ReceivedBytes)));
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // The engine handles its own failures; this only keeps one bad packet from ending the loop.
                    LogHandlerFailed(logger, socket.Interface.Name, ex);
                }
            }

            socket.Health.Stopped(StoppedReason(socket));
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException || socket.IsClosing)
        {
            socket.Health.Stopped(StoppedReason(socket));
        }
        catch (Exception ex)
        {
            socket.Health.Failed($"receive loop ended: {ex.GetType().Name}: {ex.Message}");
            LogReceiveLoopDied(logger, socket.Interface.Name, ex);
        }
    }

    private string StoppedReason(LinkSocket socket) => _stopping.IsCancellationRequested || !socket.IsClosing
        ? "shut down"
        : $"closed: {socket.Interface.Name} went down, went away or changed its address";

    /// <summary>
    /// Every socket bound to *:5353 receives the group's traffic of every interface, so a multicast datagram is kept
    /// only by the socket of the interface it arrived on. A unicast datagram reaches just one of the sockets, whichever
    /// the kernel picks, so it is attributed to the interface it arrived on, if that is one of ours.
    /// </summary>
    private MdnsLink? Route(LinkSocket socket, IPPacketInformation info)
    {
        if (info.Interface == socket.Link.InterfaceIndex)
        {
            return socket.Link;
        }

        if (info.Address is { } destination && IsMulticast(destination))
        {
            return null;
        }

        if (_byInterface.TryGetValue(info.Interface, out var others))
        {
            foreach (var other in others)
            {
                if (other.Link.Family == socket.Link.Family)
                {
                    return other.Link;
                }
            }
        }

        return null;
    }

    private static bool IsMulticast(IPAddress address) => address.AddressFamily == AddressFamily.InterNetworkV6
        ? address.IsIPv6Multicast
        : (address.GetAddressBytes()[0] & 0xF0) == 0xE0;

}
