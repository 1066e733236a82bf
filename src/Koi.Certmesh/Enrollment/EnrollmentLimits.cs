using System.Text.Json;
using Koi.Core.Storage;

namespace Koi.Certmesh.Enrollment;

/// <summary>
/// <c>certmesh/enrollment-limits.json</c> (0600): failed codes per source and across all sources, lockouts, and the
/// TOTP steps already used — everything a restart must not forget, or a restart would reopen a lockout or a replay.
/// Every change is saved atomically before it takes effect in memory; a failed save leaves both as they were.
/// The authority's gate serialises every caller; only <see cref="GlobalRetryAfterSeconds"/> is read from anywhere (status).
/// </summary>
internal sealed class EnrollmentLimits
{
    public const string FileName = "enrollment-limits.json";

    private readonly string _path;
    private readonly EnrollmentPolicy _policy;
    private readonly TimeProvider _time;
    private readonly Lock _sync = new();
    private LimitsDocument _document;

    private EnrollmentLimits(string path, EnrollmentPolicy policy, TimeProvider time, LimitsDocument document)
    {
        _path = path;
        _policy = policy;
        _time = time;
        _document = document;
    }

    /// <summary>
    /// Seconds until the mesh-wide throttle lets joins through again, or null when it does now: once
    /// <see cref="EnrollmentPolicy.GlobalMaxFailures"/> wrong codes lie within the sliding
    /// <see cref="EnrollmentPolicy.GlobalWindow"/>, every join waits until enough of them have aged out of it — so the
    /// wait is never longer than the window after the last wrong code, and no person has to reopen anything.
    /// </summary>
    public int? GlobalRetryAfterSeconds()
    {
        lock (_sync)
        {
            var now = _time.GetUtcNow();
            var recent = _document.RecentFailures.Where(at => at > now - _policy.GlobalWindow).Order().ToList();
            if (recent.Count < _policy.GlobalMaxFailures)
            {
                return null;
            }

            // The wait ends when the count drops below the limit: when the (count - limit + 1)th oldest ages out.
            var freesAt = recent[recent.Count - _policy.GlobalMaxFailures] + _policy.GlobalWindow;
            return Math.Max(1, (int)Math.Ceiling((freesAt - now).TotalSeconds));
        }
    }

    /// <summary>
    /// Reads the file. An unreadable one is replaced (and <paramref name="problem"/> says why) by a state that
    /// treats every step valid right now as used, so losing the file can never reopen a replay.
    /// </summary>
    public static EnrollmentLimits Load(string path, EnrollmentPolicy policy, TimeProvider time, out string? problem)
    {
        problem = null;
        LimitsDocument? document = null;
        if (File.Exists(path))
        {
            try
            {
                document = JsonSerializer.Deserialize(File.ReadAllBytes(path), CertmeshJsonContext.Default.LimitsDocument)
                    ?? throw new InvalidDataException("empty");
                if (document.SchemaVersion != LimitsDocument.CurrentSchemaVersion)
                {
                    throw new InvalidDataException($"schema version {document.SchemaVersion}");
                }
            }
            catch (Exception ex) when (ex is JsonException or IOException or InvalidDataException or UnauthorizedAccessException)
            {
                problem = ex.Message;
                var step = TotpStep.Current(time.GetUtcNow());
                document = new LimitsDocument { UsedSteps = [step - 1, step, step + 1] };
            }
        }

        return new EnrollmentLimits(path, policy, time, document ?? new LimitsDocument());
    }

    /// <summary>Seconds until <paramref name="source"/> may try again, or null when it may now.</summary>
    public int? RetryAfterSeconds(string source)
    {
        var now = _time.GetUtcNow();
        if (_document.Sources.TryGetValue(source, out var record) && record.LockedUntil is { } until && until > now)
        {
            return (int)Math.Ceiling((until - now).TotalSeconds);
        }

        return null;
    }

    /// <summary>Records a wrong code: may lock the source out, may start the mesh-wide throttle.</summary>
    public FailureOutcome Fail(string source)
    {
        var now = _time.GetUtcNow();
        var outcome = new FailureOutcome(false, false, 0);
        Change(document =>
        {
            var record = document.Sources.TryGetValue(source, out var existing) ? existing : document.Sources[source] = new SourceRecord();
            record.Failures.Add(now);
            var sourceLocked = record.Failures.Count >= _policy.SourceMaxFailures;
            if (sourceLocked)
            {
                record.Failures.Clear();
                record.LockedUntil = now + _policy.SourceLockout;
            }

            document.RecentFailures.Add(now);
            var recent = document.RecentFailures.Count;
            outcome = new FailureOutcome(sourceLocked, recent == _policy.GlobalMaxFailures, recent);
        });
        return outcome;
    }

    public bool IsUsed(long step) => _document.UsedSteps.Contains(step);

    /// <summary>A code was accepted: its step is spent, and the source's failures are forgiven.</summary>
    public void Accept(string source, long step) => Change(document =>
    {
        document.UsedSteps.Add(step);
        document.Sources.Remove(source);
    });

    private void Change(Action<LimitsDocument> change)
    {
        lock (_sync)
        {
            ChangeCore(change);
        }
    }

    private void ChangeCore(Action<LimitsDocument> change)
    {
        var before = JsonSerializer.SerializeToUtf8Bytes(_document, CertmeshJsonContext.Default.LimitsDocument);
        // Pruned first too, so a failure from long ago never adds up with a fresh one.
        Prune(_document);
        change(_document);
        Prune(_document);
        try
        {
            AtomicFile.WriteAllBytes(_path, KoiJson.ToIndentedUtf8Bytes(_document, CertmeshJsonContext.Default.LimitsDocument), AtomicFile.SecretMode);
        }
        catch
        {
            _document = JsonSerializer.Deserialize(before, CertmeshJsonContext.Default.LimitsDocument)!;
            throw;
        }
    }

    /// <summary>Keeps the file small: only what can still matter, and at most <see cref="EnrollmentPolicy.MaxSources"/> sources.</summary>
    private void Prune(LimitsDocument document)
    {
        var now = _time.GetUtcNow();
        var step = TotpStep.Current(now);
        document.UsedSteps.RemoveAll(s => s < step - 2);
        document.RecentFailures.RemoveAll(at => at <= now - _policy.GlobalWindow);
        foreach (var (key, record) in document.Sources.ToList())
        {
            record.Failures.RemoveAll(at => at <= now - _policy.SourceLockout);
            if (record.LockedUntil is { } until && until <= now)
            {
                record.LockedUntil = null;
            }

            if (record.Failures.Count == 0 && record.LockedUntil is null)
            {
                document.Sources.Remove(key);
            }
        }

        if (document.Sources.Count > _policy.MaxSources)
        {
            foreach (var key in document.Sources.OrderBy(p => p.Value.LastActivity).Take(document.Sources.Count - _policy.MaxSources).Select(p => p.Key).ToList())
            {
                document.Sources.Remove(key);
            }
        }
    }

    /// <param name="ThrottleStarted">This failure brought the window to the global limit: joins wait from now.</param>
    internal sealed record FailureOutcome(bool SourceLocked, bool ThrottleStarted, int RecentFailures);

    internal sealed class LimitsDocument
    {
        public const int CurrentSchemaVersion = 1;

        public int SchemaVersion { get; set; } = CurrentSchemaVersion;

        public Dictionary<string, SourceRecord> Sources { get; set; } = new(StringComparer.Ordinal);

        public List<DateTimeOffset> RecentFailures { get; set; } = [];

        public List<long> UsedSteps { get; set; } = [];
    }

    internal sealed class SourceRecord
    {
        public List<DateTimeOffset> Failures { get; set; } = [];

        public DateTimeOffset? LockedUntil { get; set; }

        internal DateTimeOffset LastActivity => Failures.Count > 0 ? Failures[^1] : LockedUntil ?? DateTimeOffset.MinValue;
    }
}
