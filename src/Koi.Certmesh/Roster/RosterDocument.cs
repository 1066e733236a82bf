using System.Text.Json.Serialization;
using Koi.Core.Storage;

namespace Koi.Certmesh.Roster;

/// <summary>
/// <c>certmesh/roster.json</c>: the CA's source of truth. Design-time fields exist from day one and
/// are written even when empty (null), so a later version never has to guess whether a field was forgotten.
/// </summary>
internal sealed record RosterDocument
{
    public const int CurrentSchemaVersion = 1;

    public int SchemaVersion { get; init; } = CurrentSchemaVersion;

    public required RosterMetadata Metadata { get; init; }

    public List<RosterMember> Members { get; init; } = [];

    public List<RevocationEntry> RevocationList { get; init; } = [];

    public List<ProxyEntry> ProxyEntries { get; init; } = [];
}

internal sealed record RosterMetadata
{
    /// <summary>The audit log's head as last signed with the CA key (at each issued join); null before the first.</summary>
    public Audit.AuditHead? AuditHead { get; init; }

    public required DateTimeOffset Created { get; init; }

    public required TrustProfile TrustProfile { get; init; }

    public required string Operator { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public string? DomainScope { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public string? SubnetScope { get; init; }

    /// <summary>SHA-256 of the TOTP secret, so rotation is detectable without the secret.</summary>
    public required string TotpSecretHash { get; init; }

    public required DateTimeOffset TotpRotatedAt { get; init; }

    public required EnrollmentState EnrollmentState { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public DateTimeOffset? EnrollmentClosesAt { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public DateTimeOffset? EnrollmentLastOpened { get; init; }

    public required bool RequireApproval { get; init; }

    public required string CaFingerprint { get; init; }

    public string Zone { get; init; } = "lan";

    public bool AutoUnlock { get; init; }

    /// <summary>How auto-unlock keeps the passphrase (<c>machine-id</c> or <c>systemd-creds</c>); null from before the choice = machine-id.</summary>
    public string? AutoUnlockMethod { get; init; }

    public CertPolicy Policy { get; init; } = new();
}

internal sealed record CertPolicy
{
    public int LifetimeDays { get; init; } = 30;

    public int RenewAtDay { get; init; } = 20;

    /// <summary>A test setting (docs/certmesh.md "Lifetimes"): lifetime in minutes, instead of days when set.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? LifetimeMinutes { get; init; }

    /// <summary>A test setting: the renew point in minutes after issue; set together with <see cref="LifetimeMinutes"/>.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? RenewAtMinute { get; init; }

    /// <summary>How long a certificate issued under this policy is valid.</summary>
    [JsonIgnore]
    public TimeSpan Lifetime => LifetimeMinutes is { } minutes ? TimeSpan.FromMinutes(minutes) : TimeSpan.FromDays(LifetimeDays);

    /// <summary>How long after issue a certificate is renewed.</summary>
    [JsonIgnore]
    public TimeSpan RenewAfter => RenewAtMinute is { } minute ? TimeSpan.FromMinutes(minute) : TimeSpan.FromDays(RenewAtDay);

    /// <summary>The policy in words: "30 days, renews at day 20" or "3 minutes, renews at minute 2".</summary>
    public string Describe() => LifetimeMinutes is { } minutes
        ? $"{minutes} minutes (renews at minute {RenewAtMinute}) — a test setting"
        : $"{LifetimeDays} days (renews at day {RenewAtDay})";

    /// <summary>The minute-scale test setting's rule: both or neither, lifetime 2 minutes to 397 days, renew point inside it.</summary>
    public static string? CheckMinutes(int? lifetimeMinutes, int? renewAtMinute) =>
        lifetimeMinutes is null && renewAtMinute is null ? null
        : lifetimeMinutes is null || renewAtMinute is null ? "lifetime_minutes and renew_at_minute go together"
        : lifetimeMinutes is < 2 or > 397 * 24 * 60 ? "lifetime_minutes must be 2 to 571680"
        : renewAtMinute < 1 || renewAtMinute >= lifetimeMinutes ? "renew_at_minute must be at least 1 and less than lifetime_minutes"
        : null;

    /// <summary>The rule every policy obeys, wherever it comes from (set-policy or config.yaml): null when it holds.</summary>
    public static string? Check(int lifetimeDays, int renewAtDay) =>
        lifetimeDays is < 1 or > 397 ? "lifetime_days must be 1 to 397"
        : renewAtDay < 1 || renewAtDay >= lifetimeDays ? "renew_at_day must be at least 1 and less than lifetime_days"
        : null;
}

internal sealed record RosterMember
{
    public required string Hostname { get; init; }

    public required MemberRole Role { get; init; }

    public required DateTimeOffset EnrolledAt { get; init; }

    public required string EnrolledBy { get; init; }

    public required string CertFingerprint { get; init; }

    public required DateTimeOffset CertExpires { get; init; }

    public required List<string> CertSans { get; init; }

    public required string CertPath { get; init; }

    public required string PinnedCaFingerprint { get; init; }

    /// <summary>The serial number (lowercase hex) of the member's current certificate; null in older rosters.</summary>
    public string? CertSerial { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public DateTimeOffset? LastSeen { get; init; }

    public MemberStatus Status { get; init; } = MemberStatus.Active;

    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public string? ReloadHook { get; init; }

    /// <summary>When the CA last issued this member a renewed certificate; null before the first renewal.</summary>
    public DateTimeOffset? LastRenewed { get; init; }

    /// <summary>
    /// When the member first presented its current certificate to the CA (a heartbeat over the mesh plane); null until
    /// it has. Until then a renewal's answer may have been lost on the way, and the member still holds the certificate
    /// the renewal replaced, so that one is not superseded yet (docs/certmesh.md "Renewal").
    /// </summary>
    public DateTimeOffset? CertSeenAt { get; init; }

    /// <summary>What the member last reported about its renewal (ok, degraded: …, failing: …), via heartbeat.</summary>
    public string? RenewalState { get; init; }

    /// <summary>
    /// Certificates of this member that a renewal replaced and that have not expired yet: the trust bundle and the CRL
    /// list them as superseded once <see cref="Revocation.TrustBundlePublisher.SupersededGrace"/> has passed since the
    /// member first presented its current one (<see cref="CertSeenAt"/>), and a revocation lists them with the current
    /// one. Null in older rosters.
    /// </summary>
    public List<SupersededCertificate>? Superseded { get; init; }

    /// <summary>The operator who approved the join; null when the mesh required no approval (and for the primary).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public string? ApprovedBy { get; init; }

    /// <summary>The address the join request came from; null for the primary.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public string? EnrolledFrom { get; init; }

    /// <summary>
    /// The CA's decisions on the service names this member asked for at its last issue (docs/certmesh.md "Service
    /// names"); the granted ones are on its certificate. Null before it asked for any.
    /// </summary>
    public List<Koi.Core.Naming.NameDecision>? ServiceNames { get; init; }

    /// <summary>The service labels the member asked names for at its last issue (lower case, sorted).</summary>
    public List<string>? ServiceLabels { get; init; }

    /// <summary>
    /// Addresses the operator approved with the join (the claimed ones shown in the pending view): certified again at
    /// renewal while the member still reports them. Its source address is proven and needs no approval.
    /// </summary>
    public List<string>? ApprovedAddresses { get; init; }
}

/// <summary>A member's certificate that a renewal replaced; <paramref name="NotAfter"/> is when it stops mattering.</summary>
internal sealed record SupersededCertificate(string Serial, DateTimeOffset NotAfter, DateTimeOffset SupersededAt);

/// <param name="Serials">The serial numbers (lowercase hex) of the certificates this revocation invalidates; the
/// trust bundle and the CRL list exactly these. Null in rosters written before koi recorded serials.</param>
internal sealed record RevocationEntry(string Hostname, DateTimeOffset RevokedAt, string RevokedBy, string? Reason, List<string>? Serials = null);

internal sealed record ProxyEntry(string Name, int ListenPort, string Backend, bool BackendRemote, string CertSource);

[JsonConverter(typeof(SnakeCaseEnumConverter<TrustProfile>))]
internal enum TrustProfile
{
    Personal,
    Team,
    Organization,
    Custom,
}

[JsonConverter(typeof(SnakeCaseEnumConverter<EnrollmentState>))]
internal enum EnrollmentState
{
    Open,
    Closed,
}

[JsonConverter(typeof(SnakeCaseEnumConverter<MemberRole>))]
internal enum MemberRole
{
    Primary,
    Standby,
    Member,
}

[JsonConverter(typeof(SnakeCaseEnumConverter<MemberStatus>))]
internal enum MemberStatus
{
    Active,
    Revoked,
}
