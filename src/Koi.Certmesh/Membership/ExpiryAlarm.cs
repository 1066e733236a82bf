using System.Collections.Concurrent;
namespace Koi.Certmesh.Membership;

/// <summary>
/// Puts a certificate's expiry warning on the event stream (<c>certificate_warning</c>) when it gets louder — the last
/// third of its lifetime, under 3 days left, expired — once per level, not on every check. A renewal brings the level
/// back to none, so the next certificate warns again.
/// </summary>
internal sealed class ExpiryAlarm(Action<string, object?> publish)
{
    private readonly ConcurrentDictionary<string, int> _levels = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Records <paramref name="subject"/>'s level now; publishes when it differs from the last and is a warning.</summary>
    /// <returns>True when an event was published.</returns>
    public bool Observe(string subject, CertificateFacts facts, DateTimeOffset now, string what)
    {
        var level = RenewalSchedule.WarningLevel(facts.NotBefore, facts.NotAfter, now);
        var before = _levels.GetValueOrDefault(subject);
        _levels[subject] = level;
        if (level == 0 || level == before || RenewalSchedule.Warning(facts.NotBefore, facts.NotAfter, now, what) is not { } warning)
        {
            return false;
        }

        publish("certificate_warning", new CertificateWarningEvent(subject, facts.Serial, facts.NotAfter, warning));
        return true;
    }
}

/// <summary>The <c>certificate_warning</c> event: a certificate's expiry warning got louder.</summary>
internal sealed record CertificateWarningEvent(string Hostname, string Serial, DateTimeOffset Expires, string Warning);
