namespace Koi.Dns.Forwarding;

/// <summary>
/// Forwarded queries waiting for an upstream, indexed by the random id they went out with: one array slot per possible
/// id, so registering, matching and removing are a single compare-and-swap and allocate nothing. Whoever removes a
/// query from its slot (the answer's receive thread or the timeout sweep) owns it from then on; the other finds the
/// slot changed and leaves it alone.
/// </summary>
internal sealed class PendingQueries
{
    private const int MaxAttemptsForFreeId = 16;

    private readonly ForwardJob?[] _byId = new ForwardJob?[ushort.MaxValue + 1];
    private int _count;

    public int Count => Volatile.Read(ref _count);

    /// <summary>Puts <paramref name="job"/> under a fresh random id; false when 16 random ids in a row were taken.</summary>
    public bool TryRegister(ForwardJob job, out ushort id)
    {
        for (var attempt = 0; attempt < MaxAttemptsForFreeId; attempt++)
        {
            id = QueryIds.Next();
            if (TryPut(id, job))
            {
                return true;
            }
        }

        id = 0;
        return false;
    }

    /// <summary>Puts <paramref name="job"/> back under <paramref name="id"/>, if that slot is still free.</summary>
    public bool TryPut(ushort id, ForwardJob job)
    {
        if (Interlocked.CompareExchange(ref _byId[id], job, null) is not null)
        {
            return false;
        }

        Interlocked.Increment(ref _count);
        return true;
    }

    public ForwardJob? Peek(ushort id) => Volatile.Read(ref _byId[id]);

    /// <summary>Removes <paramref name="job"/> from <paramref name="id"/>; true means the caller now owns it.</summary>
    public bool TryTake(ushort id, ForwardJob job)
    {
        if (!ReferenceEquals(Interlocked.CompareExchange(ref _byId[id], null, job), job))
        {
            return false;
        }

        Interlocked.Decrement(ref _count);
        return true;
    }
}
