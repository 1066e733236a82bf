using System.Globalization;
using System.Net;
using Koi.Certmesh.Api;
using Koi.Certmesh.Authority;
using Koi.Certmesh.Issuing;
using Koi.Certmesh.Roster;
using Koi.Core.Errors;

namespace Koi.Certmesh.Enrollment;

/// <summary>
/// The CA side of a join (docs/certmesh.md "Joining"). A join passes the rules in a fixed order — CA present and
/// unlocked, enrollment open, source in the subnet scope and neither locked out nor throttled, code right and unused,
/// request well formed and its hostname in scope,
/// hostname neither revoked nor taken, approval — and every refusal is audited with its source address and reason.
/// </summary>
internal sealed partial class JoinPipeline(CaContext ca, CaVault vault, EnrollmentWindow window, JoinLedger ledger, MeshIssuer issuer)
{    /// <summary>The mesh plane's join route (<c>MeshRoutes</c>).</summary>
    private const string JoinTlsPath = "/v1/certmesh/mesh/join";


    /// <summary><c>POST /join</c> from <paramref name="source"/>: signed at once, queued for approval, or refused.</summary>
    public Task<JoinOutcome> JoinAsync(JoinRequest body, IPAddress source, CancellationToken cancellationToken)
    {
        source = JoinAddresses.Normalize(source);
        var candidate = JoinCandidate.Parse(body, ledger.Policy);
        return ca.Serialized(() =>
        {
            var roster = ca.RequireInitialized();
            var meta = roster.Metadata;
            var (limits, _) = ledger.Current();
            var pending = ledger.SweptPending();
            var who = new Requester(source, candidate.Hostname);

            // 1. The CA must be able to sign.
            if (vault.SecretsIfUnlocked is not { } secrets)
            {
                throw vault.Hold is { } hold
                    ? Refuse(who, "ha_check_pending", KoiErrorCode.CaLocked, $"the CA signs nothing yet: {hold}")
                    : Refuse(who, "ca_locked", KoiErrorCode.CaLocked, "the CA is locked; the operator runs koi certmesh unlock on the CA");
            }

            // 2. Enrollment open (a timed window that ran out closes here if its timer has not fired yet).
            if (!window.IsOpenNow(meta))
            {
                if (meta.EnrollmentState == EnrollmentState.Open)
                {
                    window.CloseNow("window_expired");
                }

                throw Refuse(who, "enrollment_closed", KoiErrorCode.EnrollmentClosed, "enrollment is closed; the operator opens it with koi certmesh open-enrollment");
            }

            // 3. The source: inside the subnet scope (otherwise it could never join, so its codes are not looked at and
            // count toward nothing — a device outside the scope cannot lock out anyone), not locked out, and the mesh
            // not throttled. Both limits refuse even a right code.
            if (JoinAddresses.SourceProblem(source, MeshIssuer.SubnetScope(meta)) is { } outside)
            {
                throw Refuse(who, "out_of_scope", KoiErrorCode.OutOfScope, outside);
            }

            if (limits.RetryAfterSeconds(who.SourceKey) is { } wait)
            {
                throw Refuse(who, "rate_limited", KoiErrorCode.RateLimited, $"too many wrong codes from {who.From}; try again in {wait} s", wait);
            }

            if (limits.GlobalRetryAfterSeconds() is { } meshWait)
            {
                throw Refuse(who, "throttled", KoiErrorCode.RateLimited, $"too many wrong codes from the network; joins wait, try again in {meshWait} s", meshWait);
            }

            // 4. The code: right, and not used before (RFC 6238 §5.2). Only a wrong code counts toward a lockout.
            if (TotpStep.Match(secrets.TotpSecret, body.TotpCode, ca.Now) is not { } step)
            {
                throw WrongCode(who, limits);
            }

            if (limits.IsUsed(step))
            {
                throw Refuse(who, "code_reused", KoiErrorCode.InvalidTotp, "code already used — wait for the next code");
            }

            // Spent from here on, whatever the rest says: whoever saw it on the wire cannot reuse it.
            limits.Accept(who.SourceKey, step);

            // 5. Well formed, then the hostname inside the domain scope.
            if (candidate.Problem is { } problem)
            {
                throw Refuse(who, "invalid_request", KoiErrorCode.InvalidRequest, problem);
            }

            string hostname;
            try
            {
                hostname = JoinHostname.Resolve(candidate.Hostname!, meta.DomainScope);
            }
            catch (KoiException ex)
            {
                throw Refuse(who, ex.Code == KoiErrorCode.OutOfScope ? "out_of_scope" : "invalid_request", ex.Code, ex.Message);
            }

            who = who with { Hostname = hostname };

            // 6. Not revoked, not taken.
            CheckStanding(roster, pending, who);

            // 7. Approval.
            if (meta.RequireApproval)
            {
                if (pending.IsFull)
                {
                    throw Refuse(who, "queue_full", KoiErrorCode.Unavailable, "too many join requests wait for approval; ask the operator to approve or deny them");
                }

                var request = pending.Add(candidate, hostname, source);
                ca.Audit.Write("join_pending", ("hostname", hostname), ("from", who.From), ("request_id", request.RequestId));
                LogJoinPending(ca.Logger, hostname, who.From);
                ca.Publish("join_pending", new JoinRequestEvent(hostname, who.From, request.RequestId));
                return new JoinOutcome(null, new JoinPending(request.RequestId, "pending", hostname));
            }

            // 8. Sign.
            return new JoinOutcome(Enroll(secrets, roster, candidate, hostname, source, approvedBy: null).Issued, null);
        }, cancellationToken);
    }

    /// <summary><c>GET /join/{request_id}</c>: still waiting, signed, denied or expired.</summary>
    public Task<JoinOutcome> PollAsync(string requestId, CancellationToken cancellationToken) => ca.Serialized(() =>
    {
        ca.RequireInitialized();
        var request = ledger.SweptPending().Find(requestId)
            ?? throw new KoiException(KoiErrorCode.NotFound, "no join request under that id (it was never made, or was decided more than 10 minutes ago)");
        return request.State switch
        {
            PendingState.Approved => new JoinOutcome(request.Issued, null),
            PendingState.Denied => throw new KoiException(KoiErrorCode.JoinDenied, $"the operator denied this join{(request.Reason is null ? string.Empty : $": {request.Reason}")}"),
            PendingState.Expired => throw new KoiException(KoiErrorCode.JoinDenied, $"nobody approved this join within {ledger.Policy.PendingLifetime.TotalMinutes:0} minutes; start again with a new code"),
            _ => new JoinOutcome(null, new JoinPending(request.RequestId, "pending", request.Hostname)),
        };
    }, cancellationToken);

    /// <summary>
    /// Rules 6 and 8 of a join for a request whose code was already accepted: the path <see cref="JoinAsync"/> and
    /// approval take after the code check, used as such by the signing benchmark.
    /// </summary>
    public Task<JoinIssued> AdmitAsync(JoinCandidate candidate, string hostname, IPAddress source, CancellationToken cancellationToken) => ca.Serialized(() =>
    {
        var roster = ca.RequireInitialized();
        var secrets = vault.RequireUnlocked("join");
        var (_, pending) = ledger.Current();
        CheckStanding(roster, pending, new Requester(JoinAddresses.Normalize(source), hostname));
        return Enroll(secrets, roster, candidate, hostname, JoinAddresses.Normalize(source), approvedBy: null).Issued;
    }, cancellationToken);

    /// <summary>Under the gate: signs the member's certificate and adds it to the roster, audited.</summary>
    public (JoinIssued Issued, RosterMember Member) Enroll(UnlockedSecrets secrets, RosterDocument roster, JoinCandidate candidate, string hostname, IPAddress source, string? approvedBy)
    {
        var meta = roster.Metadata;
        var now = ca.Now;
        var from = source.ToString();
        var (issued, sans) = issuer.IssueForJoin(vault.CaCert!, secrets.CaKey, roster, candidate, hostname, source, approved: approvedBy is not null);
        using var cert = issued;
        var fingerprint = CertificateAuthorityFactory.Fingerprint(cert);
        var certPath = $"certs/{hostname}";
        var member = new RosterMember
        {
            Hostname = hostname,
            Role = MemberRole.Member,
            EnrolledAt = now,
            EnrolledBy = "totp",
            CertFingerprint = fingerprint,
            CertSerial = Revocation.RevocationListSigner.SerialHex(cert.SerialNumberBytes.Span),
            CertExpires = cert.NotAfter.ToUniversalTime(),
            CertSans = [.. sans.AsStrings()],
            CertPath = certPath,
            PinnedCaFingerprint = meta.CaFingerprint,
            LastSeen = now,
            ApprovedBy = approvedBy,
            EnrolledFrom = from,
            ApprovedAddresses = approvedBy is null ? null : [.. sans.Addresses.Where(a => !a.Equals(JoinAddresses.Normalize(source))).Select(a => a.ToString())],
        };
        // The line first: a certificate the audit log does not show is never handed out (fail closed).
        ca.Audit.WriteOrRefuse("member_joined", ("hostname", hostname), ("role", "member"), ("fingerprint", fingerprint), ("approved_by", approvedBy ?? "auto"), ("from", from));
        var head = ca.Audit.SignHead(secrets.CaKey, now);
        ca.Roster.Update(r => r! with { Members = [.. r.Members, member], Metadata = r.Metadata with { AuditHead = head ?? r.Metadata.AuditHead } });
        LogMemberJoined(ca.Logger, hostname, from, approvedBy ?? "auto");
        ca.Publish("member_joined", new MemberJoinedEvent(hostname, from, approvedBy, fingerprint));
        return (new JoinIssued(hostname, vault.CaPem(), cert.ExportCertificatePem() + "\n", meta.CaFingerprint, certPath, member.CertSans, member.CertExpires), member);
    }

    /// <summary>Rule 6 for a request: neither revoked nor already a member, and no other request waits for the name.</summary>
    public void CheckStanding(RosterDocument roster, PendingJoins pending, Requester who)
    {
        var hostname = who.Hostname!;
        if (MemberStanding.JoinRefusal(roster, hostname) is { } refusal)
        {
            throw Refuse(who, refusal.Reason, refusal.Code, refusal.Message);
        }

        if (pending.Waiting(hostname) is not null)
        {
            throw Refuse(who, "conflict", KoiErrorCode.Conflict, $"a join request for {hostname} already waits for approval; the operator approves or denies it, or it expires");
        }
    }

    private KoiException WrongCode(Requester who, EnrollmentLimits limits)
    {
        var policy = ledger.Policy;
        var outcome = limits.Fail(who.SourceKey);
        var message = outcome.SourceLocked
            ? $"wrong code; {policy.SourceMaxFailures} wrong codes: {who.From} is locked out for {policy.SourceLockout.TotalMinutes:0} minutes"
            : $"wrong code (or the authenticator's clock is off); {policy.SourceMaxFailures} wrong codes lock this machine out for {policy.SourceLockout.TotalMinutes:0} minutes";
        var refusal = Refuse(who, "invalid_totp", KoiErrorCode.InvalidTotp, message, lockout: outcome.SourceLocked ? "started" : null);
        if (outcome.SourceLocked)
        {
            LogSourceLockedOut(ca.Logger, who.From, policy.SourceLockout.TotalMinutes);
        }

        if (outcome.ThrottleStarted)
        {
            // Many sources guessing: every join waits until the window slides (never longer than it), enrollment stays
            // open — closing it would hand anyone on the LAN a switch that keeps everyone out until a person reopens it.
            var retryAfter = limits.GlobalRetryAfterSeconds() ?? (int)policy.GlobalWindow.TotalSeconds;
            ca.Audit.Write("enrollment_throttled", ("reason", "too_many_failures"), ("failures", outcome.RecentFailures.ToString(CultureInfo.InvariantCulture)),
                ("window_secs", policy.GlobalWindow.TotalSeconds.ToString(CultureInfo.InvariantCulture)), ("retry_after_secs", retryAfter.ToString(CultureInfo.InvariantCulture)),
                ("last_from", who.From));
            LogThrottleStarted(ca.Logger, outcome.RecentFailures, policy.GlobalWindow.TotalMinutes, retryAfter);
            ca.Publish("enrollment_throttled", new EnrollmentThrottledEvent(outcome.RecentFailures, retryAfter));
        }

        return refusal;
    }

    /// <summary>
    /// A join or poll sent to the daemon's plain HTTP port. Its code would have crossed in clear, so the CA refuses
    /// without reading the body: the code is neither checked nor spent nor counted as a failure, and the answer names
    /// the TLS address of the mesh plane (docs/security.md "Enrollment and the CA's identity").
    /// </summary>
    public KoiException RefusePlainHttp(IPAddress source, string host)
    {
        var where = ca.MeshPort is { } port
            ? $"https://{host}:{port.ToString(CultureInfo.InvariantCulture)}{JoinTlsPath}"
            : $"the CA's mesh plane ({JoinTlsPath}), which is not listening here (koi status shows why)";
        return Refuse(new Requester(source, null), "plain_http", KoiErrorCode.TlsRequired,
            $"enrollment goes only over TLS, so the code never crosses in clear: send the join to {where}");
    }

    /// <summary>Audits and logs a refused join (both throttled per source), and returns the error to throw.</summary>
    private KoiException Refuse(Requester who, string reason, string code, string message, int? retryAfter = null, string? lockout = null)
    {
        if (ledger.Refusals.ShouldAudit(who.SourceKey, out var suppressed, out var startsSuppressing))
        {
            ca.Audit.Write("join_refused", ("reason", reason), ("from", who.From), ("hostname", who.Hostname), ("lockout", lockout),
                ("suppressed", suppressed?.ToString(CultureInfo.InvariantCulture)));
            LogJoinRefused(ca.Logger, reason, who.From);
        }
        else if (startsSuppressing)
        {
            LogRefusalsSuppressed(ca.Logger, who.From, ledger.Policy.RefusalAuditsPerSource);
        }

        return new KoiException(code, message) { RetryAfterSeconds = retryAfter };
    }
}

/// <summary>Who asks: the address (and its rate-limit unit) and, once known to be well formed, the hostname.</summary>
internal sealed record Requester(IPAddress Source, string? Hostname)
{
    public string From { get; } = Source.ToString();

    public string SourceKey { get; } = Enrollment.SourceKey.Of(Source);
}
