using Koi.Certmesh.Api;
using Koi.Certmesh.Authority;
using Koi.Certmesh.Roster;
using Koi.Core.Errors;
using Microsoft.Extensions.Logging;

namespace Koi.Certmesh.Enrollment;

/// <summary>The operator's side of a two-party join: list what waits, approve (sign) or deny it.</summary>
internal sealed partial class JoinApprovals(CaContext ca, CaVault vault, JoinLedger ledger, JoinPipeline pipeline, Audit.AuditHeadSigner heads)
{
    /// <summary><c>GET /pending</c>: requests that wait for the operator, oldest first.</summary>
    public Task<PendingList> PendingAsync(CancellationToken cancellationToken) => ca.Serialized(() =>
    {
        ca.RequireInitialized();
        return new PendingList([.. ledger.SweptPending().AllWaiting().Select(r => new PendingRequestView(
            r.RequestId,
            r.Hostname,
            r.Source.ToString(),
            [.. r.Candidate.Claimed.Select(a => a.ToString())],
            TotpValid: true,
            InScope: true,
            r.RequestedAt,
            r.ExpiresAt)
        {
            KeyFingerprint = r.Candidate.Key is { } key ? KeyFingerprint(key) : null,
        })]);
    }, cancellationToken);

    /// <summary>SHA-256 of the requesting key's SubjectPublicKeyInfo: what the joiner shows, so the operator can compare.</summary>
    public static string KeyFingerprint(System.Security.Cryptography.X509Certificates.PublicKey key) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(key.ExportSubjectPublicKeyInfo()));

    /// <summary>Signs the waiting request for <paramref name="hostname"/>.</summary>
    public Task<ApprovalView> ApproveAsync(string? hostname, string? approvedBy, CancellationToken cancellationToken)
    {
        var name = OperatorInput.RequireHostname(hostname);
        var by = OperatorInput.Note("approved_by", approvedBy);
        return ca.Serialized(() =>
        {
            var roster = ca.RequireInitialized();
            var (pending, request) = RequireWaiting(name);
            var secrets = vault.RequireUnlocked("approve");
            by ??= roster.Metadata.Operator;
            var who = new Requester(request.Source, name);
            if (MemberStanding.JoinRefusal(roster, name) is { } refusal)
            {
                // Revoked or enrolled since the request came in: the request cannot succeed any more.
                pending.Decide(request, PendingState.Denied, by, refusal.Reason);
                ca.Audit.Write("join_denied", ("hostname", name), ("from", who.From), ("request_id", request.RequestId), ("by", by), ("reason", refusal.Reason));
                heads.Sign();
                throw new KoiException(refusal.Code, refusal.Message);
            }

            var (issued, member) = pipeline.Enroll(secrets, roster, request.Candidate, name, request.Source, by);
            pending.Decide(request, PendingState.Approved, by, null, issued);
            return new ApprovalView(request.RequestId, name, by, who.From, member.CertFingerprint, issued.Expires, issued.Sans);
        }, cancellationToken);
    }

    public Task<DenialView> DenyAsync(string? hostname, string? reason, CancellationToken cancellationToken)
    {
        var name = OperatorInput.RequireHostname(hostname);
        var why = OperatorInput.Note("reason", reason);
        return ca.Serialized(() =>
        {
            var roster = ca.RequireInitialized();
            var (pending, request) = RequireWaiting(name);
            var by = roster.Metadata.Operator;
            pending.Decide(request, PendingState.Denied, by, why);
            var from = request.Source.ToString();
            ca.Audit.Write("join_denied", ("hostname", name), ("from", from), ("request_id", request.RequestId), ("by", by), ("reason", why));
            heads.Sign();
            LogJoinDenied(ca.Logger, name, from);
            ca.Publish("join_denied", new JoinRequestEvent(name, from, request.RequestId));
            return new DenialView(request.RequestId, name, by, why);
        }, cancellationToken);
    }

    /// <summary>Under the gate: the request waiting for <paramref name="hostname"/>, after expired ones are swept.</summary>
    private (PendingJoins Pending, PendingJoin Request) RequireWaiting(string hostname)
    {
        var pending = ledger.SweptPending();
        var request = pending.Waiting(hostname)
            ?? throw new KoiException(KoiErrorCode.NotFound, $"no join request from {hostname} waits for approval (koi certmesh pending)");
        return (pending, request);
    }
}
