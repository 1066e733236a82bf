namespace Koi.Certmesh.Enrollment;

/// <summary>
/// Every refused join is audited, but a source that keeps hammering must not be able to grow the signed audit log
/// (one fsync'd line each) without bound: per source and window, the first refusals are written one by one; the
/// rest are only counted, and the count is written with the source's next audited refusal (<c>suppressed=N</c>).
/// Memory only; at most <see cref="EnrollmentPolicy.MaxSources"/> sources. Callers hold the authority's gate.
/// </summary>
internal sealed class RefusalThrottle(EnrollmentPolicy policy, TimeProvider time)
{
    private readonly Dictionary<string, Window> _sources = new(StringComparer.Ordinal);

    /// <summary>
    /// Whether to write this refusal, and how many of this source's refusals went unwritten before it. A null
    /// <paramref name="suppressed"/> with false means it is counted instead.
    /// </summary>
    public bool ShouldAudit(string source, out int? suppressed, out bool startsSuppressing)
    {
        var now = time.GetUtcNow();
        suppressed = null;
        startsSuppressing = false;
        if (!_sources.TryGetValue(source, out var window) || now - window.Start >= policy.SourceLockout)
        {
            var carried = window?.Suppressed ?? 0;
            Trim(now);
            window = new Window(now);
            _sources[source] = window;
            suppressed = carried > 0 ? carried : null;
        }

        if (window.Audited < policy.RefusalAuditsPerSource)
        {
            window.Audited++;
            return true;
        }

        window.Suppressed++;
        startsSuppressing = window.Suppressed == 1;
        return false;
    }

    private void Trim(DateTimeOffset now)
    {
        if (_sources.Count < policy.MaxSources)
        {
            return;
        }

        foreach (var key in _sources.Where(p => now - p.Value.Start >= policy.SourceLockout).Select(p => p.Key).ToList())
        {
            _sources.Remove(key);
        }

        if (_sources.Count >= policy.MaxSources)
        {
            _sources.Remove(_sources.MinBy(p => p.Value.Start).Key);
        }
    }

    private sealed class Window(DateTimeOffset start)
    {
        public DateTimeOffset Start { get; } = start;

        public int Audited { get; set; }

        public int Suppressed { get; set; }
    }
}
