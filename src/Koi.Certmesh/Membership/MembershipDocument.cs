namespace Koi.Certmesh.Membership;

/// <summary>
/// <c>certmesh/membership.json</c> on a member: which CA it joined, the fingerprint it pinned on first use (seed 004),
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
}

/// <summary>What the pin check saw when the CA endpoint answered as someone else.</summary>
internal sealed record PinAlert(
    string Message,
    string Remedy,
    string Endpoint,
    string? SeenFingerprint,
    DateTimeOffset DetectedAt,
    bool Active);
