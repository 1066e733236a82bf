using Koi.Certmesh.Issuing;
using Koi.Certmesh.Roster;
using Koi.Core.Errors;

namespace Koi.Certmesh.Authority;

/// <summary>
/// The validated answers of <c>create</c>, whether they came from the ceremony or from <c>POST /create</c>. Profile
/// defaults are docs/certmesh.md's "Profile defaults"; explicit values override them.
/// </summary>
internal sealed record CreatePlan(
    TrustProfile Profile,
    string Operator,
    EnrollmentState Enrollment,
    bool RequireApproval,
    string? DomainScope,
    string? SubnetScope,
    bool AutoUnlock = false)
{
    public const int MaxOperatorLength = 128;

    public static TrustProfile ParseProfile(string? text) => (text ?? string.Empty).Trim().ToLowerInvariant().Replace('-', '_') switch
    {
        "just_me" or "personal" or "me" or "1" => TrustProfile.Personal,
        "team" or "my_team" or "2" => TrustProfile.Team,
        "organization" or "organisation" or "my_organization" or "org" or "3" => TrustProfile.Organization,
        "custom" or "4" => TrustProfile.Custom,
        _ => throw new KoiException(KoiErrorCode.InvalidRequest, $"profile must be just-me, team, organization or custom (got '{text}')"),
    };

    public static string ProfileFlag(TrustProfile profile) => profile switch
    {
        TrustProfile.Personal => "just-me",
        TrustProfile.Team => "team",
        TrustProfile.Organization => "organization",
        _ => "custom",
    };

    public static string ProfileTitle(TrustProfile profile) => profile switch
    {
        TrustProfile.Personal => "Just Me",
        TrustProfile.Team => "My Team",
        TrustProfile.Organization => "My Organization",
        _ => "Custom",
    };

    public static EnrollmentState DefaultEnrollment(TrustProfile profile) =>
        profile == TrustProfile.Organization ? EnrollmentState.Closed : EnrollmentState.Open;

    public static bool DefaultApproval(TrustProfile profile) => profile is TrustProfile.Team or TrustProfile.Organization;

    public static EnrollmentState? ParseEnrollment(string? text) => (text ?? string.Empty).Trim().ToLowerInvariant() switch
    {
        "" => null,
        "open" => EnrollmentState.Open,
        "closed" or "close" => EnrollmentState.Closed,
        _ => throw new KoiException(KoiErrorCode.InvalidRequest, $"enrollment must be open or closed (got '{text}')"),
    };

    public static bool? ParseBool(string name, string? text) => (text ?? string.Empty).Trim().ToLowerInvariant() switch
    {
        "" => null,
        "true" or "yes" or "required" or "1" => true,
        "false" or "no" or "not_required" or "0" => false,
        _ => throw new KoiException(KoiErrorCode.InvalidRequest, $"{name} must be true or false (got '{text}')"),
    };

    /// <summary>Validates and completes raw answers; every problem is a 400 naming the field.</summary>
    public static CreatePlan Build(TrustProfile profile, string? operatorName, EnrollmentState? enrollment, bool? approval, string? domain, string? subnet, Func<string?> inferSubnet)
    {
        operatorName = string.IsNullOrWhiteSpace(operatorName) ? null : operatorName.Trim();
        if (operatorName is { Length: > MaxOperatorLength })
        {
            throw new KoiException(KoiErrorCode.InvalidRequest, $"operator must be at most {MaxOperatorLength} characters");
        }

        if (operatorName is not null && operatorName.Any(char.IsControl))
        {
            throw new KoiException(KoiErrorCode.InvalidRequest, "operator must not contain control characters");
        }

        if (profile == TrustProfile.Organization && operatorName is null)
        {
            throw new KoiException(KoiErrorCode.InvalidRequest, "operator is required for the organization profile");
        }

        domain = string.IsNullOrWhiteSpace(domain) ? null : domain.Trim().TrimEnd('.').ToLowerInvariant();
        subnet = string.IsNullOrWhiteSpace(subnet) ? null : subnet.Trim();
        if (domain is not null)
        {
            SanPolicy.ValidateDomain(domain);
        }

        if (subnet is not null)
        {
            if (!SanPolicy.TryParseSubnet(subnet, out var network))
            {
                throw new KoiException(KoiErrorCode.InvalidRequest, $"subnet must be a CIDR such as 192.168.1.0/24 (got '{subnet}')");
            }

            subnet = network.ToString();
        }

        if (profile == TrustProfile.Organization && (domain is null || subnet is null))
        {
            throw new KoiException(KoiErrorCode.InvalidRequest, "domain and subnet are required for the organization profile");
        }

        if (profile == TrustProfile.Team && subnet is null)
        {
            subnet = inferSubnet();
        }

        return new CreatePlan(
            profile,
            operatorName ?? "self",
            enrollment ?? DefaultEnrollment(profile),
            approval ?? DefaultApproval(profile),
            domain,
            subnet);
    }
}
