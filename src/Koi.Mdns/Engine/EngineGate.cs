using System.Net;
using Koi.Mdns.Caching;
using Koi.Mdns.Discovery;
using Koi.Mdns.Querying;
using Koi.Mdns.Transport;
using Koi.Mdns.Wire;

namespace Koi.Mdns.Engine;

/// <summary>
/// The engine's one way of doing anything: take the lock, change state, bring discovery's questions up to date,
/// compose what must be sent, release the lock, send. Packets, timers and API calls all go through <see cref="Run{T}"/>.
/// </summary>
internal sealed class EngineGate(
    EngineState state,
    TimeProvider time,
    IMdnsTransport transport,
    Outbox outbox,
    SentPacketLog sent,
    PacketCounters counters,
    ServiceTracker tracker,
    Querier querier)
{
    private readonly PacketComposer _composer = new();
    private readonly List<byte[]> _packets = [];
    private readonly HashSet<NameTypeKey> _desired = [];

    public T Run<T>(Func<DateTimeOffset, T> work)
    {
        List<Datagram> datagrams;
        T result;
        lock (state.Gate)
        {
            var now = time.GetUtcNow();
            try
            {
                result = work(now);
            }
            finally
            {
                AfterChange(now);
                datagrams = Compose(now);
            }
        }

        Send(datagrams);
        return result;
    }

    public void Run(Action<DateTimeOffset> work) => Run(now =>
    {
        work(now);
        return true;
    });

    private void AfterChange(DateTimeOffset now)
    {
        if (state.Stopped)
        {
            return;
        }

        tracker.Process(now);
        if (tracker.InterestChanged)
        {
            tracker.Desired(_desired);
            querier.Sync(_desired);
        }
    }

    private List<Datagram> Compose(DateTimeOffset now)
    {
        var messages = outbox.Drain();
        var datagrams = new List<Datagram>(messages.Count);
        foreach (var message in messages)
        {
            _packets.Clear();
            _composer.Compose(message, _packets);
            foreach (var bytes in _packets)
            {
                sent.Add(bytes, now);
                datagrams.Add(new Datagram(message.Link, message.Unicast, bytes));
            }
        }

        return datagrams;
    }

    private void Send(List<Datagram> datagrams)
    {
        foreach (var datagram in datagrams)
        {
            counters.Sent();
            transport.Send(datagram.Link, datagram.Unicast, datagram.Bytes);
        }
    }

    private readonly record struct Datagram(MdnsLink Link, IPEndPoint? Unicast, byte[] Bytes);
}
