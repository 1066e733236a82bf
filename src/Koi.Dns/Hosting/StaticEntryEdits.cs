using Koi.Core.Errors;
using Koi.Dns.Settings;

namespace Koi.Dns.Hosting;

/// <summary>Adds and removes operator-made static entries in the persisted state (one atomic state update each).</summary>
internal static class StaticEntryEdits
{
    private const int MaxStaticEntries = 10_000;

    /// <summary>Adds <paramref name="name"/> → <paramref name="address"/>; false when that exact entry already existed.</summary>
    public static bool Add(DnsStateStore store, string name, string address)
    {
        var created = false;
        store.Update(state =>
        {
            foreach (var entry in state.Entries)
            {
                if (entry.Name == name && entry.Address == address)
                {
                    return state;
                }
            }

            if (state.Entries.Count >= MaxStaticEntries)
            {
                throw new KoiException(KoiErrorCode.Conflict, $"there are already {MaxStaticEntries} static entries");
            }

            created = true;
            return state with { Entries = [.. state.Entries, new StaticEntry(name, address)] };
        });
        return created;
    }

    /// <summary>Removes every entry for <paramref name="name"/> and says how many; none is a 404.</summary>
    public static int Remove(DnsStateStore store, string name)
    {
        var removed = 0;
        store.Update(state =>
        {
            var kept = new List<StaticEntry>();
            foreach (var entry in state.Entries)
            {
                if (entry.Name == name)
                {
                    removed++;
                }
                else
                {
                    kept.Add(entry);
                }
            }

            return removed == 0 ? state : state with { Entries = kept };
        });
        if (removed == 0)
        {
            throw new KoiException(KoiErrorCode.NotFound, $"there is no static entry {name}");
        }

        return removed;
    }
}
