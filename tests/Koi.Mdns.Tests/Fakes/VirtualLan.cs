using System.Net;
using System.Net.Sockets;
using Koi.Dns.Protocol;
using Koi.Mdns.Transport;
using Koi.Testing;

namespace Koi.Mdns.Tests.Fakes;

/// <summary>
/// One simulated link: every attached transport hears every multicast (its own too, as with IP_MULTICAST_LOOP), and
/// unicast reaches the member with that address. Delivery is immediate; all time comes from the shared clock.
/// Everything that crossed the link is kept in <see cref="Log"/>.
/// </summary>
internal sealed class VirtualLan(ManualTimeProvider time)
{
    public const int InterfaceIndex = 2;

    private readonly List<VirtualTransport> _members = [];
    private readonly Lock _gate = new();

    public List<WireRecord> Log { get; } = [];

    /// <summary>Whether senders hear their own multicast, as real sockets with IP_MULTICAST_LOOP do.</summary>
    public bool LoopBack { get; set; } = true;

    public VirtualTransport Attach(string address)
    {
        var transport = new VirtualTransport(this, IPAddress.Parse(address));
        lock (_gate)
        {
            _members.Add(transport);
        }

        return transport;
    }

    /// <summary>Puts raw bytes on the link as if sent from <paramref name="source"/>, to the group or to one member.</summary>
    public void Inject(byte[] bytes, IPEndPoint source, IPAddress? to = null) =>
        Deliver(null, source, to is null ? null : new IPEndPoint(to, MdnsWellKnown.Port), bytes);

    public void Inject(DnsMessage message, IPEndPoint source, IPAddress? to = null) =>
        Inject(DnsMessageWriter.Write(message, DnsCompressionMode.Multicast), source, to);

    /// <summary>Decoded messages sent by <paramref name="from"/> (any sender when null), oldest first.</summary>
    public List<WireRecord> SentBy(IPAddress? from)
    {
        lock (_gate)
        {
            return Log.Where(r => from is null || r.Source.Address.Equals(from)).ToList();
        }
    }

    internal void Deliver(VirtualTransport? sender, IPEndPoint source, IPEndPoint? unicast, byte[] bytes)
    {
        List<VirtualTransport> targets;
        lock (_gate)
        {
            Log.Add(new WireRecord(time.GetUtcNow(), source, unicast, bytes));
            targets = _members.Where(m =>
                m.IsUp && (unicast is null ? (m != sender || LoopBack) : m.Owns(unicast.Address))).ToList();
        }

        foreach (var target in targets)
        {
            target.Receive(source, bytes);
        }
    }
}

/// <summary>A packet that crossed the virtual link.</summary>
internal sealed record WireRecord(DateTimeOffset At, IPEndPoint Source, IPEndPoint? Unicast, byte[] Bytes)
{
    /// <summary>The decoded packet; an empty message for bytes that do not decode (injected garbage).</summary>
    public DnsMessage Message { get; } = DnsMessageReader.TryRead(Bytes, out var message, out _) ? message : new DnsMessage();

    public bool IsMulticast => Unicast is null;
}

/// <summary>
/// A member of the virtual link. Its addresses can be added and removed and its interface taken down and up, as
/// <c>ip addr</c> and <c>ip link</c> would; the engine sees the change at its next <see cref="Refresh"/>, which its
/// interface watch runs shortly after a change when <see cref="ReportsChanges"/> is set (as netlink reports them).
/// </summary>
internal sealed class VirtualTransport(VirtualLan lan, IPAddress address) : IMdnsTransport
{
    private readonly List<IPAddress> _addresses = [address];
    private Action<ReceivedPacket>? _receive;
    private Action? _reported;
    private bool _changed;

    /// <summary>The address packets are sent from: the interface's first.</summary>
    public IPAddress Address => _addresses.Count > 0 ? _addresses[0] : address;

    public MdnsLink Link { get; } = new(VirtualLan.InterfaceIndex, AddressFamily.InterNetwork);

    public IReadOnlyList<MdnsInterface> Interfaces { get; private set; } = [];

    public IReadOnlyList<MdnsLink> Links { get; private set; } = [];

    public string? Problem { get; private set; }

    /// <summary>When set, <see cref="StartAsync"/> throws it, as a transport that cannot start at all.</summary>
    public Exception? StartFailure { get; set; }

    /// <summary>When set, the transport starts on its interface but opens no socket, for this reason.</summary>
    public string? NoSocket { get; set; }

    /// <summary>Whether the interface is up; a down member neither sends nor hears anything.</summary>
    public bool IsUp { get; private set; } = true;

    /// <summary>How many times the engine looked at the interfaces.</summary>
    public int Refreshes { get; private set; }

    /// <summary>When set, <see cref="Refresh"/> throws it, as reading the interfaces could.</summary>
    public Exception? RefreshFailure { get; set; }

    /// <summary>Whether the transport tells the watch about changes, as the real one does through netlink.</summary>
    public bool ReportsChanges { get; set; }

    public bool Owns(IPAddress candidate) => _addresses.Contains(candidate);

    public void AddAddress(string added)
    {
        _addresses.Add(IPAddress.Parse(added));
        Change();
    }

    public void RemoveAddress(string removed)
    {
        _ = _addresses.Remove(IPAddress.Parse(removed));
        Change();
    }

    public void SetUp(bool up)
    {
        IsUp = up;
        Change();
    }

    public IDisposable? WatchChanges(Action changed, out string? problem)
    {
        if (!ReportsChanges)
        {
            problem = "the virtual link reports no changes";
            return null;
        }

        problem = null;
        _reported = changed;
        return new Unsubscribe(() => _reported = null);
    }

    public Task StartAsync(Action<ReceivedPacket> receive, CancellationToken cancellationToken)
    {
        if (StartFailure is not null)
        {
            throw StartFailure;
        }

        if (NoSocket is not null)
        {
            Interfaces = [new MdnsInterface(VirtualLan.InterfaceIndex, "vlan0", [Address], [], [MdnsInterface.SubnetOf(Address, 24)])];
            Problem = NoSocket;
            return Task.CompletedTask;
        }

        _receive = receive;
        Apply();
        return Task.CompletedTask;
    }

    public bool Refresh()
    {
        Refreshes++;
        if (RefreshFailure is not null)
        {
            throw RefreshFailure;
        }

        if (!_changed)
        {
            return false;
        }

        Apply();
        return true;
    }

    public void Send(MdnsLink link, IPEndPoint? unicast, ReadOnlySpan<byte> packet)
    {
        if (Links.Contains(link))
        {
            lan.Deliver(this, new IPEndPoint(Address, MdnsWellKnown.Port), unicast, packet.ToArray());
        }
    }

    public void Receive(IPEndPoint source, byte[] bytes)
    {
        if (Links.Count > 0)
        {
            _receive?.Invoke(new ReceivedPacket(Link, source, bytes));
        }
    }

    public ValueTask DisposeAsync()
    {
        _receive = null;
        return ValueTask.CompletedTask;
    }

    private void Change()
    {
        _changed = true;
        _reported?.Invoke();
    }

    private sealed class Unsubscribe(Action action) : IDisposable
    {
        public void Dispose() => action();
    }

    private void Apply()
    {
        _changed = false;
        if (!IsUp || _addresses.Count == 0)
        {
            Interfaces = [];
            Links = [];
            Problem = "no usable interface (up, multicast-capable, with an address)";
            return;
        }

        Interfaces = [new MdnsInterface(VirtualLan.InterfaceIndex, "vlan0", [.. _addresses], [], [.. _addresses.Select(a => MdnsInterface.SubnetOf(a, 24))])];
        Links = [Link];
        Problem = null;
    }
}
