using Koi.Certmesh.Authority;
using Microsoft.Extensions.Logging;

namespace Koi.Certmesh.Enrollment;

/// <summary>
/// What enrollment remembers between joins: lockouts and used codes (persisted), requests waiting for approval, and
/// the per-source refusal throttle. Made on first use; forgotten with the CA (destroy).
/// </summary>
internal sealed partial class JoinLedger(CaContext ca)
{
    private readonly Lock _sync = new();
    private EnrollmentPolicy? _policy;
    private EnrollmentLimits? _limits;
    private PendingJoins? _pending;
    private RefusalThrottle? _refusals;

    /// <summary>The join thresholds (from <see cref="CertmeshOptions"/> by default); tests may set them before the first join.</summary>
    public EnrollmentPolicy Policy
    {
        get => _policy ??= EnrollmentPolicy.From(ca.Options);
        set => _policy = value;
    }

    public RefusalThrottle Refusals
    {
        get
        {
            lock (_sync)
            {
                return _refusals ??= new RefusalThrottle(Policy, ca.Time);
            }
        }
    }

    public (EnrollmentLimits Limits, PendingJoins Pending) Current()
    {
        lock (_sync)
        {
            _pending ??= new PendingJoins(Policy, ca.Time);
            _refusals ??= new RefusalThrottle(Policy, ca.Time);
            if (_limits is null)
            {
                _limits = EnrollmentLimits.Load(Path.Combine(ca.Files.Dir, EnrollmentLimits.FileName), Policy, ca.Time, out var problem);
                if (problem is not null)
                {
                    // Safe side: lockouts are forgotten, but every code valid right now counts as used.
                    ca.Audit.Write("enrollment_limits_reset", ("reason", "unreadable"));
                    LogLimitsUnreadable(ca.Logger, problem);
                }
            }

            return (_limits, _pending);
        }
    }

    /// <summary>Under the gate: the waiting requests after expired ones are swept (and audited).</summary>
    public PendingJoins SweptPending()
    {
        var (_, pending) = Current();
        foreach (var request in pending.Sweep())
        {
            ca.Audit.Write("join_expired", ("hostname", request.Hostname), ("from", request.Source.ToString()), ("request_id", request.RequestId));
        }

        return pending;
    }

    /// <summary>Forgets everything enrollment holds (destroy): lockouts, used codes and waiting requests go with the CA.</summary>
    public void Reset()
    {
        lock (_sync)
        {
            _limits = null;
            _pending = null;
            _refusals = null;
        }
    }

    [LoggerMessage(EventId = 3018, Level = LogLevel.Error, Message = "certmesh enrollment limits unreadable ({Problem}); lockouts start over, codes valid now count as used")]
    private static partial void LogLimitsUnreadable(ILogger logger, string problem);
}
