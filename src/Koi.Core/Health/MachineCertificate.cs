namespace Koi.Core.Health;

/// <summary>One machine's certificate as certmesh last saw it.</summary>
/// <param name="NotAfter">When the certificate expires; health turns it into days remaining with its own clock.</param>
/// <param name="ChainValid">The last heartbeat validated the chain up to the pinned mesh CA.</param>
/// <param name="Problem">Why the chain did not validate (or another warning), for people; null when all is well.</param>
/// <param name="NotBefore">When the certificate's lifetime began; with <paramref name="NotAfter"/> it tells health when a
/// third of the lifetime is left. Null when unknown.</param>
/// <param name="Revoked">The CA revoked this certificate.</param>
/// <param name="RenewalProblem">Why the last renewal failed; null when renewal is not failing.</param>
public sealed record MachineCertificate(
    DateTimeOffset NotAfter,
    bool ChainValid,
    string? Problem = null,
    DateTimeOffset? NotBefore = null,
    bool Revoked = false,
    string? RenewalProblem = null)
{
    /// <summary>
    /// The warning health shows beside the machine, loudest first: revoked, expired, renewal failing, or within the
    /// last third of its lifetime (when a renewal should already have replaced it, docs/health.md); null when none.
    /// </summary>
    public string? Warning(DateTimeOffset now)
    {
        if (Revoked)
        {
            return "certificate revoked";
        }

        if (NotAfter <= now)
        {
            return "certificate expired";
        }

        if (RenewalProblem is not null)
        {
            return $"renewal failing: {RenewalProblem}";
        }

        if (NotBefore is { } start && NotAfter > start && (NotAfter - now) * 3 <= NotAfter - start)
        {
            return $"certificate within the last third of its lifetime ({Math.Floor((NotAfter - now).TotalDays):0}d left)";
        }

        return null;
    }
}
