using System.Net;

namespace Koi.Mdns.Transport;

/// <summary>
/// Moves mDNS datagrams and nothing else: it knows interfaces and sockets, never records. The engine above it decides
/// what to send; <see cref="UdpMdnsTransport"/> is the real network, tests use a simulated link.
/// </summary>
internal interface IMdnsTransport : IAsyncDisposable
{
    /// <summary>The interfaces in use, as of the last <see cref="StartAsync"/> or <see cref="Refresh"/>.</summary>
    IReadOnlyList<MdnsInterface> Interfaces { get; }

    /// <summary>The links (interface × address family) that can send and receive.</summary>
    IReadOnlyList<MdnsLink> Links { get; }

    /// <summary>Why fewer links are open than were wanted (missing interface, socket errors); null when all opened.</summary>
    string? Problem { get; }

    /// <summary>Opens the links and starts delivering every datagram received to <paramref name="receive"/>.</summary>
    Task StartAsync(Action<ReceivedPacket> receive, CancellationToken cancellationToken);

    /// <summary>
    /// Looks at the machine's interfaces again: opens sockets on interfaces that appeared or came up, closes those of
    /// interfaces gone or down, and takes in changed addresses. Returns true when <see cref="Interfaces"/> or
    /// <see cref="Links"/> changed. Called by one caller at a time (the engine's interface watch).
    /// </summary>
    bool Refresh();

    /// <summary>
    /// Asks to be told, through <paramref name="changed"/>, whenever the system reports that interfaces or addresses may
    /// have changed, so that <see cref="Refresh"/> can run then instead of on a short poll. Returns what ends the
    /// subscription, or null (with <paramref name="problem"/> saying why) where no such report is available.
    /// </summary>
    IDisposable? WatchChanges(Action changed, out string? problem);

    /// <summary>Sends to the link's mDNS group, or to <paramref name="unicast"/> when given. Failures are counted, not thrown.</summary>
    void Send(MdnsLink link, IPEndPoint? unicast, ReadOnlySpan<byte> packet);
}
