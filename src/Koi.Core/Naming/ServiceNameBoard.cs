namespace Koi.Core.Naming;

/// <summary>
/// Where capabilities meet over the names of this machine's services (docs/certmesh.md, "Service names"). The proxy
/// and mDNS offer the service labels this machine serves (<c>grafana</c> for a proxy entry or an announced
/// <c>_grafana._tcp</c>); certmesh asks the CA to put them on this machine's certificate and reports back what was
/// granted or refused, so the proxy can show it. One instance per daemon, in memory only; thread-safe.
/// </summary>
public sealed class ServiceNameBoard
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, string[]> _offers = new(StringComparer.Ordinal);
    private string[] _wanted = [];
    private NameDecision[] _decisions = [];

    /// <summary>Raised after <see cref="Wanted"/> changed, on the offering thread; handlers must be quick and must not throw.</summary>
    public event EventHandler? WantedChanged;

    /// <summary>Raised after <see cref="Decisions"/> changed; handlers must be quick and must not throw.</summary>
    public event EventHandler? DecisionsChanged;

    /// <summary>
    /// Replaces everything <paramref name="source"/> (e.g. <c>proxy</c>, <c>mdns</c>) offers with <paramref name="labels"/>;
    /// an empty list withdraws its offer. Labels are compared case-insensitively and kept in lower case.
    /// </summary>
    public void Offer(string source, IEnumerable<string> labels)
    {
        ArgumentException.ThrowIfNullOrEmpty(source);
        bool changed;
        lock (_gate)
        {
            var set = labels.Select(label => label.Trim().ToLowerInvariant())
                .Where(label => label.Length > 0)
                .Distinct(StringComparer.Ordinal)
                .Order(StringComparer.Ordinal)
                .ToArray();
            if (set.Length == 0)
            {
                _offers.Remove(source);
            }
            else
            {
                _offers[source] = set;
            }

            var wanted = _offers.Values.SelectMany(offer => offer)
                .Distinct(StringComparer.Ordinal)
                .Order(StringComparer.Ordinal)
                .ToArray();
            changed = !wanted.AsSpan().SequenceEqual(_wanted);
            _wanted = wanted;
        }

        if (changed)
        {
            WantedChanged?.Invoke(this, EventArgs.Empty);
        }
    }

    /// <summary>Every label offered now by any source, lower case, sorted, without duplicates.</summary>
    public IReadOnlyList<string> Wanted()
    {
        lock (_gate)
        {
            return _wanted;
        }
    }

    /// <summary>Records the CA's answer for the names asked at the last issue; replaces the previous answer.</summary>
    public void Decide(IReadOnlyList<NameDecision> decisions)
    {
        bool changed;
        lock (_gate)
        {
            var next = decisions.ToArray();
            changed = !next.AsSpan().SequenceEqual(_decisions);
            _decisions = next;
        }

        if (changed)
        {
            DecisionsChanged?.Invoke(this, EventArgs.Empty);
        }
    }

    /// <summary>The CA's last answer, one decision per name asked; empty before any.</summary>
    public IReadOnlyList<NameDecision> Decisions()
    {
        lock (_gate)
        {
            return _decisions;
        }
    }
}
