using Koi.Certmesh.MeshPlane;

namespace Koi.Certmesh.Membership;

/// <summary>
/// <c>certmesh/membership.json</c> on a member: which CA it joined, the fingerprint it pinned on first use,
/// and the last MITM alert. Written once at join, then only when the pin check's verdict changes.
/// </summary>
internal sealed record MembershipDocument
{
    public const int CurrentSchemaVersion = 1;

    public int SchemaVersion { get; init; } = CurrentSchemaVersion;

    public required string Hostname { get; init; }

    public required string CaEndpoint { get; init; }

    public required string CaHostname { get; init; }

    public required string PinnedCaFingerprint { get; init; }

    public required string Profile { get; init; }

    public required bool RequiresApproval { get; init; }

    public required DateTimeOffset JoinedAt { get; init; }

    public required string CertPath { get; init; }

    public required List<string> Sans { get; init; }

    public required DateTimeOffset CertExpires { get; init; }

    public DateTimeOffset? LastVerified { get; init; }

    public PinAlert? Alert { get; init; }

    /// <summary>Port of the CA's mTLS plane as the CA announced it in hello; null means the default.</summary>
    public int? CaMeshPort { get; init; }

    /// <summary>The last verdict of the CA check (verified, unreachable, expired, not_yet_valid, clock_skew, fingerprint_changed).</summary>
    public string? LastVerdict { get; init; }

    public string? LastVerdictDetail { get; init; }

    /// <summary>The mesh's policy as the CA last reported it (heartbeat); null until the first heartbeat.</summary>
    public MeshPolicyView? Policy { get; init; }

    public DateTimeOffset? LastRenewed { get; init; }

    /// <summary>ok, degraded (the reload hook failed), or failing (the renewal itself); with <see cref="RenewalDetail"/>.</summary>
    public string? RenewalState { get; init; }

    public string? RenewalDetail { get; init; }

    /// <summary>When a failed renewal is tried again (back-off).</summary>
    public DateTimeOffset? NextRenewalAttempt { get; init; }

    public int RenewalFailures { get; init; }

    /// <summary>The command run after every renewal (argv, no shell); set only through the local API.</summary>
    public string? ReloadHook { get; init; }

    /// <summary>The service labels this machine asked the CA for at its last issue (from the service name board).</summary>
    public List<string>? ServiceLabels { get; init; }

    /// <summary>The LAN addresses this machine reported at its last issue; the CA certified those it could verify.</summary>
    public List<string>? ReportedAddresses { get; init; }

    /// <summary>The CA's answer for each name asked at the last issue: granted (on the certificate) or refused with why.</summary>
    public List<Koi.Core.Naming.NameDecision>? ServiceNames { get; init; }
}

/// <summary>What the pin check saw when the CA endpoint answered as someone else.</summary>
internal sealed record PinAlert(
    string Message,
    string Remedy,
    string Endpoint,
    string? SeenFingerprint,
    DateTimeOffset DetectedAt,
    bool Active);
