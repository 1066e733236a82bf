using Koi.Certmesh.Audit;
using Koi.Certmesh.Roster;
using Koi.Certmesh.Trust;

namespace Koi.Certmesh.Authority;

/// <summary>What <c>create</c> returns: enough to use the mesh and to set up the authenticator app.</summary>
internal sealed record CreateResult(
    string Profile,
    string CaFingerprint,
    int Members,
    string CertPath,
    string TotpUri,
    string TotpQrPng,
    IReadOnlyList<TrustResult> Trust);

internal sealed record CertmeshStatus(
    bool Initialized,
    bool Locked,
    string? Profile,
    string? Operator,
    string? CaFingerprint,
    EnrollmentState? EnrollmentState,
    DateTimeOffset? EnrollmentClosesAt,
    bool? RequireApproval,
    string? DomainScope,
    string? SubnetScope,
    CertPolicy? Policy,
    IReadOnlyList<MemberView> Members,
    IReadOnlyList<TrustResult> Trust,
    IReadOnlyList<string> Warnings)
{
    /// <summary>On a member: the CA it joined, the pinned fingerprint and the last pin alert.</summary>
    public Membership.MembershipDocument? Member { get; init; }

    /// <summary>When the CA certificate itself expires (shown and warned about).</summary>
    public DateTime? CaCertExpires { get; init; }

    /// <summary>How the CA unlocks at daemon start: <c>off</c>, <c>machine-id</c> or <c>systemd-creds</c>.</summary>
    public string? AutoUnlock { get; init; }

    /// <summary>Why the CA is locked (or how it was unlocked): the certmesh component's own words.</summary>
    public string? LockState { get; init; }

    /// <summary>On a member: the trust bundle it holds and whether it names this machine as revoked.</summary>
    public Revocation.BundleStanding? MemberBundle { get; init; }

    /// <summary>Who is primary and standby in this mesh, and since when (docs/certmesh.md, "Standby CA").</summary>
    public Standby.HaView? Ha { get; init; }
}

internal sealed record MemberView(
    string Hostname,
    MemberRole Role,
    MemberStatus Status,
    string CertFingerprint,
    DateTimeOffset CertExpires,
    string CertPath,
    IReadOnlyList<string> CertSans)
{
    public DateTimeOffset? LastSeen { get; init; }

    /// <summary>Not seen (no heartbeat) for more than two check intervals.</summary>
    public bool Stale { get; init; }

    public string? ReloadHook { get; init; }

    public string? RenewalState { get; init; }

    public DateTimeOffset? LastRenewed { get; init; }

    /// <summary>The CA's decision on each service name the member asked for at its last issue; null before any.</summary>
    public IReadOnlyList<Koi.Core.Naming.NameDecision>? ServiceNames { get; init; }
}

internal sealed record TotpResult(string TotpUri, string TotpQrPng, DateTimeOffset RotatedAt);

internal sealed record EnrollmentView(EnrollmentState EnrollmentState, DateTimeOffset? EnrollmentClosesAt);

internal sealed record ComplianceView(string Profile, bool Healthy, IReadOnlyList<ComplianceItem> Items, string Text);

internal sealed record ComplianceItem(string Label, string Value);

internal sealed record LogView(IReadOnlyList<LogEntry> Entries, AuditVerification? Verification);

internal sealed record LogEntry(DateTimeOffset At, string Event, long Seq, IReadOnlyDictionary<string, string> Fields, string Line);

internal sealed record UnlockResult(bool Locked, string CaFingerprint);

/// <summary>The auto-unlock method now in use, and whether the passphrase also unlocked the CA just now.</summary>
internal sealed record AutoUnlockResult(string Method, bool UnlockedNow, string CaFingerprint);
