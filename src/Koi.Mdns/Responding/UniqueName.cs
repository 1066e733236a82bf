using Koi.Dns.Protocol;
using Koi.Mdns.Scheduling;
using Koi.Mdns.Transport;

namespace Koi.Mdns.Responding;

/// <summary>
/// A name this host claims for itself alone: its host name (A/AAAA) or a service instance (SRV/TXT). Such a name is
/// probed before use and renamed when another host holds it (RFC 6762 §8–9).
/// </summary>
internal abstract class UniqueName
{
    private readonly Queue<DateTimeOffset> _recentConflicts = new();
    private ProbeState _state = ProbeState.Probing;

    public abstract DnsName Name { get; }

    public ProbeState State
    {
        get => _state;
        set
        {
            if (_state != value)
            {
                _state = value;
                StateChanged?.Invoke(this);
            }
        }
    }

    /// <summary>Called under the engine's lock after <see cref="State"/> changed; must be quick and must not throw.</summary>
    public Action<UniqueName>? StateChanged { get; set; }

    public int ProbesSent { get; set; }

    public int AnnouncementsSent { get; set; }

    public ScheduledWork? Next { get; set; }

    /// <summary>Names given up so far because another host held them.</summary>
    public int Renames { get; private set; }

    public bool IsWithdrawn { get; set; }

    /// <summary>Claimed on the wire: announcements went out on at least one link and queries for it are answered.</summary>
    public bool IsLive => !IsWithdrawn && State is ProbeState.Announcing or ProbeState.Announced;

    /// <summary>The records owned under <see cref="Name"/> as announced on <paramref name="nic"/>, with cache-flush set.</summary>
    public abstract void AddUniqueRecords(MdnsInterface nic, List<DnsResourceRecord> records);

    /// <summary>Moves to the next candidate name (<c>Name (2)</c>, <c>host-2</c>).</summary>
    public void Rename()
    {
        Renames++;
        OnRename();
    }

    /// <summary>
    /// RFC 6762 §8.1: after 15 conflicts within 10 s, wait 5 s before probing again, so two broken hosts cannot flood.
    /// Returns the delay the next probe series must respect.
    /// </summary>
    public TimeSpan NoteConflict(DateTimeOffset now)
    {
        _recentConflicts.Enqueue(now);
        while (_recentConflicts.Count > 0 && now - _recentConflicts.Peek() > TimeSpan.FromSeconds(10))
        {
            _recentConflicts.Dequeue();
        }

        return _recentConflicts.Count >= 15 ? TimeSpan.FromSeconds(5) : TimeSpan.Zero;
    }

    protected abstract void OnRename();
}
