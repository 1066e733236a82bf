using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Koi.Certmesh.Api;
using Koi.Certmesh.Enrollment;
using Koi.Certmesh.Issuing;
using Koi.Certmesh.Roster;
using Koi.Core.Errors;

namespace Koi.Certmesh.Authority;

/// <summary>
/// The CA side of enrollment (seed 001 §4.5 step 2, §4.7, §4.8; seed 004): hello, join, approval, revocation. A join
/// passes the rules in a fixed order — CA present and unlocked, enrollment open, source not locked out, code right
/// and unused, request well formed and in scope, hostname neither revoked nor taken, approval — and every refusal is
/// audited with its source address and reason.
/// </summary>
internal sealed partial class CertmeshAuthority
{
    public const string HelloContext = "koi-certmesh-hello";
    public const int MinNonceChars = 16;
    public const int MaxNonceChars = 128;
    public const int MaxNoteChars = 256;

    private readonly Lock _enrollmentInit = new();
    private EnrollmentPolicy? _joinPolicy;
    private EnrollmentLimits? _limits;
    private PendingJoins? _pending;
    private RefusalThrottle? _refusals;

    /// <summary>The join thresholds (from <see cref="CertmeshOptions"/> by default); tests may set them before the first join.</summary>
    internal EnrollmentPolicy JoinPolicy
    {
        get => _joinPolicy ??= EnrollmentPolicy.From(_options);
        set => _joinPolicy = value;
    }

    /// <summary>The signed text of a hello: a fixed context, then the joiner's nonce, the fingerprint and the CA's host.</summary>
    public static string HelloText(string nonce, string caFingerprint, string hostname) =>
        $"{HelloContext}\n{nonce}\n{caFingerprint}\n{hostname}";

    /// <summary>
    /// Public facts a joiner needs before it trusts anything, and a signature over its nonce by the primary's service
    /// key — which chains to the CA — so a machine that merely copied <c>ca.pem</c> cannot answer. Works while locked.
    /// </summary>
    public async Task<HelloProof> HelloAsync(string? nonce, CancellationToken cancellationToken)
    {
        if (nonce is null || nonce.Length is < MinNonceChars or > MaxNonceChars || !nonce.All(IsNonceChar))
        {
            throw new KoiException(KoiErrorCode.InvalidRequest, $"nonce must be {MinNonceChars}–{MaxNonceChars} characters of [A-Za-z0-9+/=_-]");
        }

        var roster = RequireInitialized();
        var meta = roster.Metadata;
        var primary = roster.Members.FirstOrDefault(m => m.Role == MemberRole.Primary)
            ?? throw new KoiException(KoiErrorCode.Unavailable, "the roster names no primary");
        string certPem;
        string keyPem;
        try
        {
            certPem = await File.ReadAllTextAsync(Path.Combine(primary.CertPath, "cert.pem"), cancellationToken);
            keyPem = await File.ReadAllTextAsync(Path.Combine(primary.CertPath, "key.pem"), cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new KoiException(KoiErrorCode.Unavailable, $"the CA's own service certificate is unreadable ({primary.CertPath})");
        }

        string signature;
        using (var key = ECDsa.Create())
        {
            key.ImportFromPem(keyPem);
            signature = Convert.ToBase64String(key.SignData(Encoding.UTF8.GetBytes(HelloText(nonce, meta.CaFingerprint, primary.Hostname)), HashAlgorithmName.SHA256));
        }

        var open = IsOpenNow(meta);
        return new HelloProof(
            primary.Hostname,
            meta.CaFingerprint,
            CreatePlan.ProfileFlag(meta.TrustProfile),
            open ? "open" : "closed",
            open ? meta.EnrollmentClosesAt : null,
            meta.RequireApproval,
            CaPem(),
            certPem,
            signature);
    }

    /// <summary><c>POST /join</c> from <paramref name="source"/>: signed at once, queued for approval, or refused.</summary>
    public async Task<JoinOutcome> JoinAsync(JoinRequest body, IPAddress source, CancellationToken cancellationToken)
    {
        source = JoinAddresses.Normalize(source);
        var candidate = JoinCandidate.Parse(body, JoinPolicy);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var roster = RequireInitialized();
            var meta = roster.Metadata;
            var (limits, pending) = JoinState();
            AuditExpired(pending.Sweep());
            var who = new Requester(source, candidate.Hostname);

            // 1. The CA must be able to sign.
            if (_unlocked is not { } secrets)
            {
                throw Refuse(who, "ca_locked", KoiErrorCode.CaLocked, "the CA is locked; the operator runs koi certmesh unlock on the CA");
            }

            // 2. Enrollment open (a timed window that ran out closes here if its timer has not fired yet).
            if (!IsOpenNow(meta))
            {
                if (meta.EnrollmentState == EnrollmentState.Open)
                {
                    CloseCore("window_expired");
                }

                throw Refuse(who, "enrollment_closed", KoiErrorCode.EnrollmentClosed, ClosedMessage(meta, limits));
            }

            // 3. A locked-out source is refused even with a right code.
            if (limits.RetryAfterSeconds(who.SourceKey) is { } wait)
            {
                throw Refuse(who, "rate_limited", KoiErrorCode.RateLimited,
                    $"too many wrong codes from {who.From}; try again in {wait} s", wait);
            }

            // 4. The code: right, and not used before (RFC 6238 §5.2). Only a wrong code counts toward a lockout.
            var now = _time.GetUtcNow();
            if (TotpStep.Match(secrets.TotpSecret, body.TotpCode, now) is not { } step)
            {
                throw WrongCode(who, limits, meta);
            }

            if (limits.IsUsed(step))
            {
                throw Refuse(who, "code_reused", KoiErrorCode.InvalidTotp, "code already used — wait for the next code");
            }

            // Spent from here on, whatever the rest says: whoever saw it on the wire cannot reuse it.
            limits.Accept(who.SourceKey, step);

            // 5. Well formed, then in scope.
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
            if (JoinAddresses.SourceProblem(source, SubnetScope(meta)) is { } outside)
            {
                throw Refuse(who, "out_of_scope", KoiErrorCode.OutOfScope, outside);
            }

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
                Audit("join_pending", ("hostname", hostname), ("from", who.From), ("request_id", request.RequestId));
                LogJoinPending(_logger, hostname, who.From);
                _events?.Publish(Capability, "join_pending", new JoinRequestEvent(hostname, who.From, request.RequestId));
                return new JoinOutcome(null, new JoinPending(request.RequestId, "pending", hostname));
            }

            // 8. Sign.
            return new JoinOutcome(IssueMember(secrets, roster, candidate, hostname, source, approvedBy: null).Issued, null);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary><c>GET /join/{request_id}</c>: still waiting, signed, denied or expired.</summary>
    public async Task<JoinOutcome> PollJoinAsync(string requestId, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            RequireInitialized();
            var (_, pending) = JoinState();
            AuditExpired(pending.Sweep());
            var request = pending.Find(requestId)
                ?? throw new KoiException(KoiErrorCode.NotFound, "no join request under that id (it was never made, or was decided more than 10 minutes ago)");
            return request.State switch
            {
                PendingState.Approved => new JoinOutcome(request.Issued, null),
                PendingState.Denied => throw new KoiException(KoiErrorCode.JoinDenied, $"the operator denied this join{(request.Reason is null ? string.Empty : $": {request.Reason}")}"),
                PendingState.Expired => throw new KoiException(KoiErrorCode.JoinDenied, $"nobody approved this join within {JoinPolicy.PendingLifetime.TotalMinutes:0} minutes; start again with a new code"),
                _ => new JoinOutcome(null, new JoinPending(request.RequestId, "pending", request.Hostname)),
            };
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary><c>GET /pending</c>: requests that wait for the operator, oldest first.</summary>
    public async Task<PendingList> PendingAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            RequireInitialized();
            var (_, pending) = JoinState();
            AuditExpired(pending.Sweep());
            return new PendingList([.. pending.AllWaiting().Select(r => new PendingRequestView(
                r.RequestId,
                r.Hostname,
                r.Source.ToString(),
                [.. r.Candidate.Claimed.Select(a => a.ToString())],
                TotpValid: true,
                InScope: true,
                r.RequestedAt,
                r.ExpiresAt))]);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The second party of a two-party join: signs the waiting request for <paramref name="hostname"/>.</summary>
    public async Task<ApprovalView> ApproveAsync(string? hostname, string? approvedBy, CancellationToken cancellationToken)
    {
        var name = RequireHostnameField(hostname);
        var by = CheckNote("approved_by", approvedBy);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var roster = RequireInitialized();
            var (pending, request) = RequireWaiting(name);
            var secrets = RequireUnlocked("approve");
            by ??= roster.Metadata.Operator;
            var who = new Requester(request.Source, name);
            if (Standing(roster, name) is { } refusal)
            {
                // Revoked or enrolled since the request came in: the request cannot succeed any more.
                pending.Decide(request, PendingState.Denied, by, refusal.Reason);
                Audit("join_denied", ("hostname", name), ("from", who.From), ("request_id", request.RequestId), ("by", by), ("reason", refusal.Reason));
                throw new KoiException(refusal.Code, refusal.Message);
            }

            var (issued, member) = IssueMember(secrets, roster, request.Candidate, name, request.Source, by);
            pending.Decide(request, PendingState.Approved, by, null, issued);
            return new ApprovalView(request.RequestId, name, by, who.From, member.CertFingerprint, issued.Expires, issued.Sans);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<DenialView> DenyAsync(string? hostname, string? reason, CancellationToken cancellationToken)
    {
        var name = RequireHostnameField(hostname);
        var why = CheckNote("reason", reason);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var roster = RequireInitialized();
            var (pending, request) = RequireWaiting(name);
            var by = roster.Metadata.Operator;
            pending.Decide(request, PendingState.Denied, by, why);
            var from = request.Source.ToString();
            Audit("join_denied", ("hostname", name), ("from", from), ("request_id", request.RequestId), ("by", by), ("reason", why));
            LogJoinDenied(_logger, name, from);
            _events?.Publish(Capability, "join_denied", new JoinRequestEvent(name, from, request.RequestId));
            return new DenialView(request.RequestId, name, by, why);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Takes a member out of the mesh: status revoked, an entry in <c>revocation_list</c>, audited. Its hostname can
    /// never join again, and <see cref="RequireMemberInGoodStanding"/> refuses it. Needs no unlock: nothing is signed.
    /// </summary>
    public async Task<RevocationEntry> RevokeAsync(string? hostname, string? reason, CancellationToken cancellationToken)
    {
        var name = RequireHostnameField(hostname);
        var why = CheckNote("reason", reason);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var roster = RequireInitialized();
            var member = roster.Members.FirstOrDefault(m => SameHost(m.Hostname, name))
                ?? throw new KoiException(KoiErrorCode.NotFound, $"{name} is not a member of this mesh (koi certmesh status)");
            if (member.Role == MemberRole.Primary)
            {
                throw new KoiException(KoiErrorCode.InvalidRequest, $"{name} is the primary; it cannot be revoked (koi certmesh destroy ends the mesh)");
            }

            if (member.Status == MemberStatus.Revoked)
            {
                throw new KoiException(KoiErrorCode.Conflict, $"{name} is already revoked");
            }

            var entry = new RevocationEntry(member.Hostname, _time.GetUtcNow(), roster.Metadata.Operator, why);
            Roster.Update(r => r! with
            {
                Members = [.. r.Members.Select(m => ReferenceEquals(m, member) ? m with { Status = MemberStatus.Revoked } : m)],
                RevocationList = [.. r.RevocationList, entry],
            });
            Audit("member_revoked", ("hostname", member.Hostname), ("fingerprint", member.CertFingerprint), ("by", entry.RevokedBy), ("reason", why));
            LogMemberRevoked(_logger, member.Hostname, entry.RevokedBy);
            _events?.Publish(Capability, "member_revoked", new MemberRevokedEvent(member.Hostname, entry.RevokedBy, why));
            return entry;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>True when <paramref name="hostname"/> was revoked from this mesh.</summary>
    public bool IsRevoked(string hostname) => Roster.Current is { } roster && IsRevoked(roster, hostname);

    /// <summary>
    /// For every member-authenticated operation (renewal, roster sync …): the active member named
    /// <paramref name="hostname"/>, presenting its current certificate when <paramref name="certFingerprint"/> is given.
    /// A revoked hostname or a revoked member's certificate is <c>403 revoked</c> (audited); anything else not in good
    /// standing is <c>403 forbidden</c>.
    /// </summary>
    public RosterMember RequireMemberInGoodStanding(string hostname, string? certFingerprint, string action)
    {
        var roster = RequireInitialized();
        if (IsRevoked(roster, hostname)
            || (certFingerprint is not null && roster.Members.Any(m => m.Status == MemberStatus.Revoked && string.Equals(m.CertFingerprint, certFingerprint, StringComparison.OrdinalIgnoreCase))))
        {
            Audit("denied", ("action", action), ("hostname", hostname), ("reason", "revoked"));
            throw new KoiException(KoiErrorCode.Revoked, $"{hostname} was revoked from this mesh");
        }

        var member = roster.Members.FirstOrDefault(m => SameHost(m.Hostname, hostname) && m.Status == MemberStatus.Active);
        if (member is null || (certFingerprint is not null && !string.Equals(member.CertFingerprint, certFingerprint, StringComparison.OrdinalIgnoreCase)))
        {
            Audit("denied", ("action", action), ("hostname", hostname), ("reason", member is null ? "not_a_member" : "not_current_certificate"));
            throw new KoiException(KoiErrorCode.Forbidden, member is null ? $"{hostname} is not a member of this mesh" : $"that is not {hostname}'s current certificate");
        }

        return member;
    }

    /// <summary>
    /// Rules 6 and 8 of a join for a request whose code was already accepted: the path <see cref="JoinAsync"/> and
    /// <see cref="ApproveAsync"/> take after the code check, used as such by the signing benchmark.
    /// </summary>
    internal async Task<JoinIssued> AdmitAsync(JoinCandidate candidate, string hostname, IPAddress source, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var roster = RequireInitialized();
            var secrets = RequireUnlocked("join");
            var (_, pending) = JoinState();
            CheckStanding(roster, pending, new Requester(JoinAddresses.Normalize(source), hostname));
            return IssueMember(secrets, roster, candidate, hostname, JoinAddresses.Normalize(source), approvedBy: null).Issued;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Forgets everything enrollment holds (destroy): lockouts, used codes and waiting requests go with the CA.</summary>
    private void ResetEnrollment()
    {
        lock (_enrollmentInit)
        {
            _limits = null;
            _pending = null;
            _refusals = null;
        }
    }

    /// <summary>Under the gate: the request waiting for <paramref name="hostname"/>, after expired ones are swept.</summary>
    private (PendingJoins Pending, PendingJoin Request) RequireWaiting(string hostname)
    {
        var (_, pending) = JoinState();
        AuditExpired(pending.Sweep());
        var request = pending.Waiting(hostname)
            ?? throw new KoiException(KoiErrorCode.NotFound, $"no join request from {hostname} waits for approval (koi certmesh pending)");
        return (pending, request);
    }

    private (EnrollmentLimits Limits, PendingJoins Pending) JoinState()
    {
        lock (_enrollmentInit)
        {
            _pending ??= new PendingJoins(JoinPolicy, _time);
            _refusals ??= new RefusalThrottle(JoinPolicy, _time);
            if (_limits is null)
            {
                _limits = EnrollmentLimits.Load(Path.Combine(_files.Dir, EnrollmentLimits.FileName), JoinPolicy, _time, out var problem);
                if (problem is not null)
                {
                    // Safe side: lockouts are forgotten, but every code valid right now counts as used.
                    Audit("enrollment_limits_reset", ("reason", "unreadable"));
                    LogLimitsUnreadable(_logger, problem);
                }
            }

            return (_limits, _pending);
        }
    }

    private (JoinIssued Issued, RosterMember Member) IssueMember(UnlockedSecrets secrets, RosterDocument roster, JoinCandidate candidate, string hostname, IPAddress source, string? approvedBy)
    {
        var meta = roster.Metadata;
        var now = _time.GetUtcNow();
        var from = source.ToString();
        // Only claimed addresses are checked against other members' certificates (the source is proven).
        var held = new HashSet<IPAddress>();
        foreach (var other in candidate.Claimed.Count == 0 ? [] : roster.Members.Where(m => m.Status == MemberStatus.Active))
        {
            foreach (var san in other.CertSans)
            {
                if (IPAddress.TryParse(san, out var address))
                {
                    held.Add(address);
                }
            }
        }

        var (certified, leftOut) = JoinAddresses.Authorize(source, candidate.Claimed, SubnetScope(meta), held);
        foreach (var group in leftOut.GroupBy(l => l.Reason))
        {
            Audit("scope_denied", ("hostname", hostname), ("from", from), ("refused", string.Join(",", group.Select(l => l.Address.ToString()))), ("reason", group.Key));
        }

        var sans = SanPolicy.For(hostname, meta.Zone, certified, meta.DomainScope);
        using var cert = ServiceCertificateIssuer.Issue(_caCert!, secrets.CaKey, candidate.Key!, hostname, sans, now, TimeSpan.FromDays(meta.Policy.LifetimeDays));
        var fingerprint = CertificateAuthorityFactory.Fingerprint(cert);
        var certPath = $"certs/{hostname}";
        var member = new RosterMember
        {
            Hostname = hostname,
            Role = MemberRole.Member,
            EnrolledAt = now,
            EnrolledBy = "totp",
            CertFingerprint = fingerprint,
            CertExpires = cert.NotAfter.ToUniversalTime(),
            CertSans = [.. sans.AsStrings()],
            CertPath = certPath,
            PinnedCaFingerprint = meta.CaFingerprint,
            LastSeen = now,
            ApprovedBy = approvedBy,
            EnrolledFrom = from,
        };
        Roster.Update(r => r! with { Members = [.. r.Members, member] });
        Audit("member_joined", ("hostname", hostname), ("role", "member"), ("fingerprint", fingerprint), ("approved_by", approvedBy ?? "auto"), ("from", from));
        LogMemberJoined(_logger, hostname, from, approvedBy ?? "auto");
        _events?.Publish(Capability, "member_joined", new MemberJoinedEvent(hostname, from, approvedBy, fingerprint));
        return (new JoinIssued(hostname, CaPem(), cert.ExportCertificatePem() + "\n", meta.CaFingerprint, certPath, member.CertSans, member.CertExpires), member);
    }

    private KoiException WrongCode(Requester who, EnrollmentLimits limits, RosterMetadata meta)
    {
        var outcome = limits.Fail(who.SourceKey);
        var message = outcome.SourceLocked
            ? $"wrong code; {JoinPolicy.SourceMaxFailures} wrong codes: {who.From} is locked out for {JoinPolicy.SourceLockout.TotalMinutes:0} minutes"
            : $"wrong code (or the authenticator's clock is off); {JoinPolicy.SourceMaxFailures} wrong codes lock this machine out for {JoinPolicy.SourceLockout.TotalMinutes:0} minutes";
        var refusal = Refuse(who, "invalid_totp", KoiErrorCode.InvalidTotp, message, lockout: outcome.SourceLocked ? "started" : null);
        if (outcome.SourceLocked)
        {
            LogSourceLockedOut(_logger, who.From, JoinPolicy.SourceLockout.TotalMinutes);
        }

        if (outcome.BackstopTripped)
        {
            // An attack from many sources: enrollment stays closed until a person has looked (open-enrollment).
            Audit("enrollment_locked_global", ("reason", "too_many_failures"), ("failures", outcome.RecentFailures.ToString(CultureInfo.InvariantCulture)),
                ("window_secs", JoinPolicy.GlobalWindow.TotalSeconds.ToString(CultureInfo.InvariantCulture)), ("last_from", who.From));
            LogBackstopTripped(_logger, outcome.RecentFailures, JoinPolicy.GlobalWindow.TotalMinutes);
            if (meta.EnrollmentState == EnrollmentState.Open)
            {
                CloseCore("too_many_failures");
            }

            _events?.Publish(Capability, "enrollment_locked_global", new EnrollmentLockedEvent(outcome.RecentFailures));
        }

        return refusal;
    }

    private void CheckStanding(RosterDocument roster, PendingJoins pending, Requester who)
    {
        var hostname = who.Hostname!;
        if (Standing(roster, hostname) is { } refusal)
        {
            throw Refuse(who, refusal.Reason, refusal.Code, refusal.Message);
        }

        if (pending.Waiting(hostname) is not null)
        {
            throw Refuse(who, "conflict", KoiErrorCode.Conflict, $"a join request for {hostname} already waits for approval; the operator approves or denies it, or it expires");
        }
    }

    private static (string Reason, string Code, string Message)? Standing(RosterDocument roster, string hostname)
    {
        if (IsRevoked(roster, hostname))
        {
            return ("revoked", KoiErrorCode.Revoked, $"{hostname} was revoked from this mesh and cannot join again");
        }

        if (roster.Members.Any(m => SameHost(m.Hostname, hostname) && m.Status == MemberStatus.Active))
        {
            return ("conflict", KoiErrorCode.Conflict, $"{hostname} is already an active member of this mesh");
        }

        return null;
    }

    private static bool IsRevoked(RosterDocument roster, string hostname) =>
        roster.RevocationList.Any(r => SameHost(r.Hostname, hostname))
        || roster.Members.Any(m => SameHost(m.Hostname, hostname) && m.Status == MemberStatus.Revoked);

    private static bool SameHost(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    private bool IsOpenNow(RosterMetadata meta) =>
        meta.EnrollmentState == EnrollmentState.Open && (meta.EnrollmentClosesAt is not { } at || at > _time.GetUtcNow());

    private static string ClosedMessage(RosterMetadata meta, EnrollmentLimits limits) =>
        limits.BackstopTrippedAt is { } tripped && (meta.EnrollmentLastOpened is not { } opened || tripped > opened)
            ? "enrollment is closed: too many wrong codes from the network; the operator checks koi certmesh log and reopens it with koi certmesh open-enrollment"
            : "enrollment is closed; the operator opens it with koi certmesh open-enrollment";

    private static IPNetwork? SubnetScope(RosterMetadata meta) =>
        meta.SubnetScope is { } text && SanPolicy.TryParseSubnet(text, out var network) ? network : null;

    /// <summary>Audits and logs a refused join (both throttled per source), and returns the error to throw.</summary>
    private KoiException Refuse(Requester who, string reason, string code, string message, int? retryAfter = null, string? lockout = null)
    {
        if (_refusals!.ShouldAudit(who.SourceKey, out var suppressed, out var startsSuppressing))
        {
            Audit("join_refused", ("reason", reason), ("from", who.From), ("hostname", who.Hostname), ("lockout", lockout),
                ("suppressed", suppressed?.ToString(CultureInfo.InvariantCulture)));
            LogJoinRefused(_logger, reason, who.From);
        }
        else if (startsSuppressing)
        {
            LogRefusalsSuppressed(_logger, who.From, JoinPolicy.RefusalAuditsPerSource);
        }

        return new KoiException(code, message) { RetryAfterSeconds = retryAfter };
    }

    private void AuditExpired(List<PendingJoin> expired)
    {
        foreach (var request in expired)
        {
            Audit("join_expired", ("hostname", request.Hostname), ("from", request.Source.ToString()), ("request_id", request.RequestId));
        }
    }

    private static string RequireHostnameField(string? hostname)
    {
        if (string.IsNullOrWhiteSpace(hostname))
        {
            throw new KoiException(KoiErrorCode.InvalidRequest, "missing required field: hostname");
        }

        return JoinHostname.Syntax(hostname.Trim(), out var problem) ?? throw new KoiException(KoiErrorCode.InvalidRequest, problem!);
    }

    /// <summary>A free-text field an operator types (reason, approver): bounded, one line.</summary>
    private static string? CheckNote(string field, string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var trimmed = text.Trim();
        if (trimmed.Length > MaxNoteChars || trimmed.Any(char.IsControl))
        {
            throw new KoiException(KoiErrorCode.InvalidRequest, $"{field} must be one line of at most {MaxNoteChars} characters");
        }

        return trimmed;
    }

    private static bool IsNonceChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '+' or '/' or '=' or '_' or '-';

    /// <summary>Who asks: the address (and its rate-limit unit) and, once known to be well formed, the hostname.</summary>
    private sealed record Requester(IPAddress Source, string? Hostname)
    {
        public string From { get; } = Source.ToString();

        public string SourceKey { get; } = Enrollment.SourceKey.Of(Source);
    }
}
