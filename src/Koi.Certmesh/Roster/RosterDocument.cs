using System.Text.Json.Serialization;
using Koi.Core.Storage;

namespace Koi.Certmesh.Roster;

/// <summary>
/// <c>certmesh/roster.json</c>: the CA's source of truth (seed 001 §9.1). Design-time fields exist from day one and
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

    public CertPolicy Policy { get; init; } = new();
}

internal sealed record CertPolicy
{
    public int LifetimeDays { get; init; } = 30;

    public int RenewAtDay { get; init; } = 20;

    /// <summary>How long a certificate issued under this policy is valid.</summary>
    [JsonIgnore]
    public TimeSpan Lifetime => TimeSpan.FromDays(LifetimeDays);

    /// <summary>How long after issue a certificate is renewed.</summary>
    [JsonIgnore]
    public TimeSpan RenewAfter => TimeSpan.FromDays(RenewAtDay);

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

    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public DateTimeOffset? LastSeen { get; init; }

    public MemberStatus Status { get; init; } = MemberStatus.Active;

    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public string? ReloadHook { get; init; }

    /// <summary>The operator who approved the join; null when the mesh required no approval (and for the primary).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public string? ApprovedBy { get; init; }

    /// <summary>The address the join request came from; null for the primary.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public string? EnrolledFrom { get; init; }
}

internal sealed record RevocationEntry(string Hostname, DateTimeOffset RevokedAt, string RevokedBy, string? Reason);

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
