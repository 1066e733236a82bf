namespace Koi.Certmesh.Api;

// Data of the certmesh events on /v1/events (docs/certmesh.md), one record per shape.

/// <summary><c>ca_created</c>.</summary>
internal sealed record CaCreatedEvent(string CaFingerprint, string Profile);

/// <summary><c>ca_unlocked</c>, <c>ca_locked</c>, <c>ca_destroyed</c>.</summary>
internal sealed record CaEvent(string CaFingerprint);

/// <summary><c>join_pending</c> and <c>join_denied</c>: a join request from <paramref name="From"/> waiting for, or refused by, the operator.</summary>
internal sealed record JoinRequestEvent(string Hostname, string From, string RequestId);

/// <summary><c>member_joined</c> on the CA.</summary>
/// <param name="ApprovedBy">Who approved the join; absent when the mesh admits without approval.</param>
internal sealed record MemberJoinedEvent(string Hostname, string From, string? ApprovedBy, string CertFingerprint);

/// <summary><c>member_revoked</c>.</summary>
internal sealed record MemberRevokedEvent(string Hostname, string RevokedBy, string? Reason);

/// <summary><c>enrollment_opened</c>; <paramref name="ClosesAt"/> absent when open until closed.</summary>
internal sealed record EnrollmentOpenedEvent(DateTimeOffset? ClosesAt);

/// <summary><c>enrollment_closed</c>.</summary>
internal sealed record EnrollmentClosedEvent(string Reason);

/// <summary><c>enrollment_throttled</c>: too many wrong codes from the network; joins wait <paramref name="RetryAfterSecs"/>.</summary>
internal sealed record EnrollmentThrottledEvent(int Failures, int RetryAfterSecs);

/// <summary><c>joined</c> on the member that joined a mesh.</summary>
internal sealed record JoinedMeshEvent(string Hostname, string Ca, string CaFingerprint);

/// <summary><c>ca_pin_mismatch</c> on a member: the CA endpoint answered with another identity, or none.</summary>
internal sealed record CaPinMismatchEvent(string Endpoint, string Pinned, string? Seen);
