namespace Koi.Certmesh.Enrollment;

/// <summary>
/// The numbers behind the CA's join rules: per-source lockout, the mesh-wide throttle,
/// how long a request waits for approval, and the bounds that keep a flood from growing memory or the audit log.
/// </summary>
internal sealed record EnrollmentPolicy
{
    /// <summary>Wrong codes from one source (an IPv4 address, an IPv6 /64) before it is locked out.</summary>
    public int SourceMaxFailures { get; init; } = 3;

    /// <summary>How long a locked-out source waits; also the window in which its failures add up.</summary>
    public TimeSpan SourceLockout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Wrong codes from all in-scope sources within <see cref="GlobalWindow"/> after which every join waits (429)
    /// until the oldest of them leave the window. Enrollment itself stays open: closing it would let anyone on the LAN
    /// shut the door for everyone until a person reopens it.
    /// </summary>
    public int GlobalMaxFailures { get; init; } = 30;

    /// <summary>The sliding window of the mesh-wide throttle, and so the longest a join waits after the last wrong code.</summary>
    public TimeSpan GlobalWindow { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>A request nobody approves or denies within this time expires.</summary>
    public TimeSpan PendingLifetime { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>How long a decided (or expired) request still answers its joiner's poll.</summary>
    public TimeSpan DecidedRetention { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Requests held at once, waiting or decided. Single-use codes already keep this small (one join per step).</summary>
    public int MaxPending { get; init; } = 64;

    public int MaxClaimedAddresses { get; init; } = 16;

    public int MaxCsrChars { get; init; } = 16 * 1024;

    /// <summary>Refusals audited per source and <see cref="SourceLockout"/> window; the rest are counted, not written.</summary>
    public int RefusalAuditsPerSource { get; init; } = 20;

    /// <summary>Sources remembered at once (failures, lockouts, refusal counts); the stalest are forgotten first.</summary>
    public int MaxSources { get; init; } = 4096;

    public static EnrollmentPolicy From(CertmeshOptions options) => new()
    {
        SourceMaxFailures = options.MaxFailures,
        SourceLockout = options.Lockout,
    };
}
