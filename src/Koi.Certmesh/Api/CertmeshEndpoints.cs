using System.Globalization;
using Koi.Certmesh.Authority;
using Koi.Certmesh.Crypto;
using Koi.Certmesh.Membership;
using Koi.Certmesh.Revocation;
using Koi.Core.Errors;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Koi.Certmesh.Api;

/// <summary>The routes under <c>/v1/certmesh</c> (docs/api.md). Every failure is a <see cref="KoiException"/>.</summary>
internal static class CertmeshEndpoints
{
    public const string DestroyConfirmation = "DESTROY";

    public static void Map(IEndpointRouteBuilder group)
    {
        group.MapGet("/status", StatusAsync);
        group.MapPost("/create", CreateAsync);
        group.MapPost("/unlock", UnlockAsync);
        group.MapPost("/lock", (CertmeshAuthority ca, CancellationToken ct) => ca.LockAsync(ct));
        group.MapGet("/roster", (CertmeshAuthority ca) => ca.RosterDocument());
        group.MapGet("/log", Log);
        group.MapGet("/compliance", (CertmeshAuthority ca, CancellationToken ct) => ca.ComplianceAsync(ct));
        group.MapPost("/open-enrollment", OpenEnrollmentAsync);
        group.MapPost("/close-enrollment", (CertmeshAuthority ca, CancellationToken ct) => ca.CloseEnrollmentAsync("operator", ct));
        group.MapPost("/rotate-totp", (CertmeshAuthority ca, RotateTotpRequest? body, CancellationToken ct) => ca.RotateTotpAsync(body?.Entropy, ct));
        group.MapPut("/set-policy", (CertmeshAuthority ca, SetPolicyRequest body, CancellationToken ct) => ca.SetPolicyAsync(body.LifetimeDays, body.RenewAtDay, ct, body.LifetimeMinutes, body.RenewAtMinute));
        group.MapPost("/destroy", DestroyAsync);
        group.MapPost("/renew", RenewAsync);
        group.MapGet("/ca.pem", (CertmeshAuthority ca) => Results.Text(ca.CaPem(), "application/x-pem-file")).WithMetadata(Koi.Core.Capabilities.LanEndpoint.Instance)
            .Produces<string>(StatusCodes.Status200OK, "application/x-pem-file");
        group.MapGet("/trust", (CertmeshAuthority ca, CancellationToken ct) => RequireCa(ca).TrustStatusAsync(ct));
        group.MapPost("/trust/install", (CertmeshAuthority ca, CancellationToken ct) => ca.InstallTrustAsync(ct));
        group.MapPost("/trust/remove", (CertmeshAuthority ca, CancellationToken ct) => ca.RemoveTrustAsync(ct));
        BackupEndpoints.Map(group);
        MemberEndpoints.Map(group);
        RevocationEndpoints.Map(group);
        EnrollmentEndpoints.Map(group);
        Standby.StandbyEndpoints.Map(group);
    }

    /// <summary>The CA's view, and on a member what it joined and any pin alert, loudest first.</summary>
    private static async Task<CertmeshStatus> StatusAsync(
        CertmeshAuthority ca, MemberService membership, BundleFollower bundles, Standby.StandbyNode standby, Standby.HaLoop ha, CancellationToken ct)
    {
        var status = await ca.StatusAsync(ct) with { Ha = Standby.HaView.Of(ca, standby, ha) };
        if (membership.Membership.Current is not { } member)
        {
            return status;
        }

        List<string> warnings = member.Alert is { Active: true } alert ? [$"{alert.Message} — {alert.Remedy}"] : [];
        warnings.AddRange(membership.Warnings());
        var standing = bundles.Standing;
        if (standing.RevokedAt is { } revokedAt)
        {
            warnings.Insert(0, $"this machine's certificate was REVOKED by {member.CaHostname} at {revokedAt.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}: "
                + "members-only listeners refuse it; ask the CA operator, or leave the mesh");
        }
        else if (standing.Problem is { } problem)
        {
            warnings.Add(problem);
        }

        warnings.AddRange(status.Initialized ? status.Warnings : []);
        return status with { Member = member, Warnings = warnings, MemberBundle = standing };
    }

    /// <summary>
    /// <c>koi certmesh renew</c>: on a member, its own certificate over the mesh plane; on the CA host, the CA host's
    /// service certificate. Without <c>force</c> only when due.
    /// </summary>
    private static async Task<RenewalView> RenewAsync(CertmeshAuthority ca, MemberService membership, RenewNowRequest? body, CancellationToken ct)
    {
        var force = body?.Force == true;
        if (membership.Membership.Current is not null)
        {
            return await membership.RenewAsync(force, ct);
        }

        return await ca.OwnCertificate.RenewIfDueAsync(force, ct);
    }

    private static async Task<CreateResult> CreateAsync(CertmeshAuthority ca, CreateRequest body, CancellationToken ct)
    {

        var profile = CreatePlan.ParseProfile(body.Profile ?? throw Missing("profile"));
        var plan = CreatePlan.Build(
            profile,
            body.Operator,
            CreatePlan.ParseEnrollment(body.Enrollment),
            body.RequireApproval,
            body.Domain,
            body.Subnet,
            ca.InferSubnet);
        plan = plan with { AutoUnlock = body.AutoUnlock == true };
        var passphrase = body.Passphrase ?? throw Missing("passphrase");
        if (PassphraseGenerator.CheckManual(passphrase) is { } problem)
        {
            throw new KoiException(KoiErrorCode.InvalidRequest, problem);
        }

        return await ca.CreateAsync(plan, passphrase, body.Entropy, CertmeshAuthority.NewTotpSecret(body.Entropy), ct);
    }

    private static Task<UnlockResult> UnlockAsync(CertmeshAuthority ca, UnlockRequest body, CancellationToken ct) =>
        ca.UnlockAsync(string.IsNullOrEmpty(body.Passphrase) ? throw Missing("passphrase") : body.Passphrase, ct);

    private static LogView Log(CertmeshAuthority ca, string? since, string? verify)
    {
        DateTimeOffset? from = null;
        if (!string.IsNullOrEmpty(since))
        {
            from = DateTimeOffset.TryParse(since, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
                ? at
                : DateTimeOffset.UtcNow - DurationText.Parse(since);
        }

        return ca.Log(from, verify is "1" or "true" or "yes");
    }

    private static Task<EnrollmentView> OpenEnrollmentAsync(CertmeshAuthority ca, OpenEnrollmentRequest? body, CancellationToken ct) =>
        ca.OpenEnrollmentAsync(string.IsNullOrWhiteSpace(body?.Duration) ? null : DurationText.Parse(body.Duration), ct);

    private static async Task<Microsoft.AspNetCore.Http.HttpResults.Ok<DestroyedView>> DestroyAsync(CertmeshAuthority ca, DestroyRequest body, CancellationToken ct)
    {
        if (body.Confirm != DestroyConfirmation)
        {
            throw new KoiException(KoiErrorCode.InvalidRequest, $"destroy needs \"confirm\": \"{DestroyConfirmation}\"");
        }

        await ca.DestroyAsync(ct);
        return TypedResults.Ok(new DestroyedView(true));
    }

    private static CertmeshAuthority RequireCa(CertmeshAuthority ca) => ca.Initialized ? ca : throw CertmeshAuthority.NotInitialized();

    private static KoiException Missing(string field) => new(KoiErrorCode.InvalidRequest, $"missing required field: {field}");
}

internal sealed record DestroyedView(bool Destroyed);
