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
                unicast is null ? (m != sender || LoopBack) : m.Address.Equals(unicast.Address)).ToList();
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

internal sealed class VirtualTransport(VirtualLan lan, IPAddress address) : IMdnsTransport
{
    private Action<ReceivedPacket>? _receive;

    public IPAddress Address { get; } = address;

    public MdnsLink Link { get; } = new(VirtualLan.InterfaceIndex, AddressFamily.InterNetwork);

    public IReadOnlyList<MdnsInterface> Interfaces { get; private set; } = [];

    public IReadOnlyList<MdnsLink> Links { get; private set; } = [];

    public string? Problem { get; private set; }

    /// <summary>When set, <see cref="StartAsync"/> throws it, as a transport that cannot start at all.</summary>
    public Exception? StartFailure { get; set; }

    /// <summary>When set, the transport starts on its interface but opens no socket, for this reason.</summary>
    public string? NoSocket { get; set; }

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
        Interfaces = [new MdnsInterface(VirtualLan.InterfaceIndex, "vlan0", [Address], [], [MdnsInterface.SubnetOf(Address, 24)])];
        Links = [Link];
        return Task.CompletedTask;
    }

    public void Send(MdnsLink link, IPEndPoint? unicast, ReadOnlySpan<byte> packet) =>
        lan.Deliver(this, new IPEndPoint(Address, MdnsWellKnown.Port), unicast, packet.ToArray());

    public void Receive(IPEndPoint source, byte[] bytes) => _receive?.Invoke(new ReceivedPacket(Link, source, bytes));

    public ValueTask DisposeAsync()
    {
        _receive = null;
        return ValueTask.CompletedTask;
    }
}
