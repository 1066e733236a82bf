namespace Koi.Certmesh.Api;

/// <summary><c>POST /v1/certmesh/create</c>: the non-interactive create. Absent fields take the profile's defaults.</summary>
internal sealed record CreateRequest(
    string? Profile,
    string? Operator,
    string? Enrollment,
    bool? RequireApproval,
    string? Passphrase,
    string? Domain,
    string? Subnet,
    string? Entropy,
    bool? AutoUnlock = null);

internal sealed record UnlockRequest(string? Passphrase);

/// <param name="Duration">e.g. <c>2h</c>, <c>30m</c>, <c>1d</c>, <c>90s</c>; absent = open until closed.</param>
internal sealed record OpenEnrollmentRequest(string? Duration);

/// <param name="LifetimeMinutes">A test setting: minutes instead of days, together with <paramref name="RenewAtMinute"/>.</param>
internal sealed record SetPolicyRequest(int? LifetimeDays, int? RenewAtDay, int? LifetimeMinutes = null, int? RenewAtMinute = null);

/// <param name="Confirm">Must be exactly <c>DESTROY</c>.</param>
internal sealed record DestroyRequest(string? Confirm);

internal sealed record RotateTotpRequest(string? Entropy);

/// <summary><c>POST /v1/certmesh/renew</c>: renew now even when not due.</summary>
internal sealed record RenewNowRequest(bool? Force);
