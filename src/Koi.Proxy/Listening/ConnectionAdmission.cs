using System.Net;
using Koi.Core.Net;
using Koi.Proxy.Pumping;

namespace Koi.Proxy.Listening;

/// <summary>
/// Who may hold a connection to one entry (docs/security.md, slowloris). Three budgets: open connections of the entry,
/// open connections of one source (an IPv4 address or an IPv6 /64), and connections still before their TLS handshake.
/// A client over its source's budget is refused; when the entry or the pre-handshake budget is full, the oldest
/// connection that has not finished its handshake is evicted to make room, so idle sockets from one peer cannot lock
/// everyone else out. Established connections are never evicted.
/// </summary>
internal sealed class ConnectionAdmission(int maxOpen, int maxPerSource, int maxPending)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<UInt128, int> _perSource = [];
    private readonly LinkedList<Ticket> _pending = [];
    private int _open;

    public int Open
    {
        get
        {
            lock (_gate)
            {
                return _open;
            }
        }
    }

    public int Pending
    {
        get
        {
            lock (_gate)
            {
                return _pending.Count;
            }
        }
    }

    /// <summary>
    /// A ticket for a new connection from <paramref name="source"/>, or null to close it at once. When room was made,
    /// <paramref name="evicted"/> is the pre-handshake connection to abort (outside any lock).
    /// </summary>
    public Ticket? TryAdmit(IPAddress source, out Ticket? evicted)
    {
        evicted = null;
        var key = IpRanges.SourceBucket(source);
        lock (_gate)
        {
            var fromSource = _perSource.GetValueOrDefault(key);
            if (fromSource >= maxPerSource)
            {
                return null;
            }

            if (_open >= maxOpen || _pending.Count >= maxPending)
            {
                if (_pending.First is not { } oldest)
                {
                    return null;
                }

                evicted = oldest.Value;
                RemoveLocked(evicted);
                fromSource = _perSource.GetValueOrDefault(key);
            }

            var ticket = new Ticket(key);
            ticket.Node = _pending.AddLast(ticket);
            _perSource[key] = fromSource + 1;
            _open++;
            return ticket;
        }
    }

    /// <summary>The handshake finished: the connection leaves the pre-handshake budget and can no longer be evicted.</summary>
    public void Established(Ticket ticket)
    {
        lock (_gate)
        {
            if (ticket.Node is { } node)
            {
                _pending.Remove(node);
                ticket.Node = null;
            }
        }
    }

    /// <summary>The connection ended (or was evicted): gives its places back. Idempotent.</summary>
    public void Release(Ticket ticket)
    {
        lock (_gate)
        {
            RemoveLocked(ticket);
        }
    }

    private void RemoveLocked(Ticket ticket)
    {
        if (ticket.Released)
        {
            return;
        }

        ticket.Released = true;
        if (ticket.Node is { } node)
        {
            _pending.Remove(node);
            ticket.Node = null;
        }

        _open--;
        if (_perSource.TryGetValue(ticket.Source, out var count) && count > 1)
        {
            _perSource[ticket.Source] = count - 1;
        }
        else
        {
            _perSource.Remove(ticket.Source);
        }
    }

    /// <summary>One admitted connection's place; the connection is bound once it exists, so eviction can abort it.</summary>
    internal sealed class Ticket(UInt128 source)
    {
        private ProxyConnection? _connection;
        private int _evicted;

        public UInt128 Source => source;

        public LinkedListNode<Ticket>? Node { get; set; }

        public bool Released { get; set; }

        public bool Evicted => Volatile.Read(ref _evicted) != 0;

        /// <summary>Binds the connection; false (nothing bound) when the ticket was evicted meanwhile.</summary>
        public bool Bind(ProxyConnection connection)
        {
            Interlocked.Exchange(ref _connection, connection);
            return !Evicted;
        }

        /// <summary>Aborts the bound connection, or the one bound later (see <see cref="Bind"/>).</summary>
        public void Evict()
        {
            Interlocked.Exchange(ref _evicted, 1);
            Volatile.Read(ref _connection)?.Abort();
        }
    }
}
