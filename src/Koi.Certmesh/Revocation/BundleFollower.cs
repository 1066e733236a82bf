using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Koi.Certmesh.Audit;
using Koi.Certmesh.Membership;
using Koi.Core.Errors;
using Koi.Core.Events;
using Koi.Core.Status;
using Microsoft.Extensions.Logging;

namespace Koi.Certmesh.Revocation;

/// <summary>
/// A member's copy of its CA's trust bundle: fetched on every CA check and on a nudge from the CA, verified against
/// the pinned fingerprint and the sequence held, then kept (<see cref="TrustBundleStore"/>). It also tells the
/// member whether its own certificate is among the revoked, and says so in <c>certmesh/trust_bundle</c>.
/// </summary>
internal sealed partial class BundleFollower(
    TrustBundleStore store,
    CaClient ca,
    MemberFiles files,
    StatusRegistry status,
    TimeProvider time,
    ILogger logger,
    IEventBus? events = null)
{
    public const string Component = "trust_bundle";

    private readonly ComponentHealth _health = status.Register(Authority.CertmeshAuthority.Capability, Component);
    private readonly AuditHeadWatch _heads = new(Path.Combine(files.Dir, AuditHeadWatch.FileName));
    private string? _alarmAudited;
    private readonly Lock _gate = new();
    private BundleStanding _standing = BundleStanding.None;

    public BundleStanding Standing
    {
        get
        {
            lock (_gate)
            {
                return _standing;
            }
        }
    }

    /// <summary>At start: the bundle kept on disk, re-verified under the pin; a bad file is reported, not applied.</summary>
    public void Load(MembershipDocument? member)
    {
        if (member is null)
        {
            _health.Running("not a member of another CA's mesh");
            return;
        }

        try
        {
            var held = store.Load(member.PinnedCaFingerprint);
            Settle(member, held, fetchedAt: null, problem: held is null ? "no trust bundle yet; fetched at the next CA check" : null);
        }
        catch (Exception ex) when (ex is TrustBundleRejectedException or IOException or UnauthorizedAccessException)
        {
            Settle(member, null, null, $"{store.BundlePath} refused: {ex.Message}");
        }
    }

    /// <summary>Fetches, verifies and applies the CA's current bundle. Never throws for a bundle or a CA that fails.</summary>
    public async Task<BundleStanding> RefreshAsync(MembershipDocument member, CancellationToken cancellationToken)
    {
        SignedTrustBundle signed;
        try
        {
            signed = await ca.BundleAsync(member.CaEndpoint, cancellationToken);
        }
        catch (KoiException ex)
        {
            return Settle(member, store.Held, null, $"trust bundle not fetched: {ex.Message}");
        }

        var held = store.Held;
        try
        {
            var bundle = TrustBundleVerifier.Verify(signed, member.PinnedCaFingerprint, held?.Bundle.Sequence, held?.Bundle.Epoch);
            if (store.Apply(signed, bundle))
            {
                LogApplied(logger, bundle.Sequence, bundle.Revoked.Count, member.CaHostname);
            }

            // Applied anyway (its revocations matter more), but a head below the highest seen is an alarm.
            if (_heads.Observe(bundle) is { } alarm && alarm != _alarmAudited)
            {
                using (var log = AuditLog.Open(files.MemberAuditLog, files.MemberAuditKey, time))
                {
                    log.Append("audit_head_rollback", ("endpoint", member.CaEndpoint), ("seen_seq", _heads.Highest?.Seq.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                        ("got_seq", bundle.AuditHead?.Seq.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("bundle_sequence", bundle.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                }

                LogAuditRollback(logger, member.CaHostname, alarm);
                events?.Publish(Authority.CertmeshAuthority.Capability, "audit_head_rollback", new AuditHeadRollbackEvent(member.CaHostname, _heads.Highest?.Seq ?? 0, bundle.AuditHead?.Seq));
                _alarmAudited = alarm;
            }
        }
        catch (TrustBundleRejectedException ex)
        {
            // A refused bundle changes nothing; it is audited like every other denial and shown until one applies.
            using (var log = AuditLog.Open(files.MemberAuditLog, files.MemberAuditKey, time))
            {
                log.Append("trust_bundle_rejected", ("endpoint", member.CaEndpoint), ("reason", ex.Reason), ("held_sequence", held?.Bundle.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            }

            LogRejected(logger, member.CaEndpoint, ex.Reason, ex.Message);
            return Settle(member, store.Held, null, $"trust bundle from {member.CaEndpoint} rejected ({ex.Reason}): {ex.Message}");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The bundle or the highest audit head seen could not be saved: shown, not silent.
            return Settle(member, store.Held, time.GetUtcNow(), $"trust bundle state not written: {ex.Message}");
        }

        return Settle(member, store.Held, time.GetUtcNow(), null);
    }

    private BundleStanding Settle(MembershipDocument member, HeldBundle? held, DateTimeOffset? fetchedAt, string? problem)
    {
        DateTimeOffset? revokedAt = null;
        if (held is not null && OwnSerial(member) is { } serial)
        {
            revokedAt = held.Bundle.Revoked.FirstOrDefault(r => string.Equals(r.Serial, serial, StringComparison.OrdinalIgnoreCase))?.RevokedAt;
        }

        BundleStanding before;
        BundleStanding now;
        lock (_gate)
        {
            before = _standing;
            now = new BundleStanding(held?.Bundle.Sequence ?? 0, fetchedAt ?? before.FetchedAt, revokedAt, problem);
            _standing = now;
        }

        var rollback = _heads.Alarm(held?.Bundle);
        if (now.Revoked)
        {
            _health.Failed($"this machine's certificate was revoked by {member.CaHostname} at {revokedAt!.Value.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}; members-only listeners refuse it");
            if (!before.Revoked)
            {
                LogRevoked(logger, member.CaHostname);
                events?.Publish(Authority.CertmeshAuthority.Capability, "this_member_revoked", new RevokedEvent(member.Hostname, member.CaHostname, revokedAt.Value));
            }
        }
        else if (rollback is not null)
        {
            _health.Failed($"ALARM: {rollback}");
        }
        else if (problem is not null && held is null)
        {
            _health.Failed(problem);
        }
        else if (problem is not null)
        {
            _health.Running($"bundle {held!.Bundle.Sequence} from {member.CaHostname} kept; {problem}");
        }
        else
        {
            _health.Running($"bundle {held!.Bundle.Sequence} from {member.CaHostname}, {held.Bundle.Revoked.Count} revoked");
        }

        return now;
    }

    /// <summary>The serial of this machine's current certificate, read from its cert files; null when unreadable.</summary>
    private string? OwnSerial(MembershipDocument member)
    {
        try
        {
            using var cert = X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(files.CertPath(member.Hostname), "cert.pem")));
            return RevocationListSigner.SerialHex(cert.SerialNumberBytes.Span);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException)
        {
            return null;
        }
    }

    internal sealed record RevokedEvent(string Hostname, string CaHostname, DateTimeOffset RevokedAt);

    /// <summary>The <c>audit_head_rollback</c> event: the CA's signed audit head went below the highest this member saw.</summary>
    internal sealed record AuditHeadRollbackEvent(string CaHostname, long SeenSeq, long? GotSeq);

    [LoggerMessage(EventId = 3130, Level = LogLevel.Information, Message = "trust bundle {Sequence} from {Ca} applied: {Revoked} revoked")]
    private static partial void LogApplied(ILogger logger, long sequence, int revoked, string ca);

    [LoggerMessage(EventId = 3131, Level = LogLevel.Warning, Message = "trust bundle from {Endpoint} rejected ({Reason}): {Detail}")]
    private static partial void LogRejected(ILogger logger, string endpoint, string reason, string detail);

    [LoggerMessage(EventId = 3132, Level = LogLevel.Warning, Message = "this machine's certificate was revoked by the CA {Ca}")]
    private static partial void LogRevoked(ILogger logger, string ca);

    [LoggerMessage(EventId = 3133, Level = LogLevel.Error, Message = "ALARM from CA {Ca}: {Alarm}")]
    private static partial void LogAuditRollback(ILogger logger, string ca, string alarm);
}
