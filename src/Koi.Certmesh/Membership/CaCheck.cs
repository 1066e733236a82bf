using Koi.Certmesh.Api;
using Koi.Certmesh.Audit;
using Koi.Core.Errors;
using Koi.Core.Events;
using Koi.Core.Status;
using Microsoft.Extensions.Logging;

namespace Koi.Certmesh.Membership;

/// <summary>
/// On a member, proves every <see cref="CertmeshOptions.CaCheckInterval"/> (and on demand) that whoever answers at the
/// CA endpoint holds a key certified by the pinned CA (seed 004). Anything else is a loud alert: audited here,
/// logged as a warning, kept in <c>membership.json</c> and shown by <c>koi certmesh status</c> until a check passes.
/// </summary>
internal sealed partial class CaCheck(
    MemberJoiner joiner,
    MemberFiles files,
    CertmeshOptions options,
    StatusRegistry status,
    TimeProvider time,
    ILogger logger,
    IEventBus? events = null) : IDisposable
{
    public const string MitmMessage = "CA fingerprint changed — possible MITM";

    private readonly ComponentHealth _health = status.Register(Authority.CertmeshAuthority.Capability, "ca_pin");
    private readonly SemaphoreSlim _checking = new(1, 1);

    /// <summary><c>certmesh/ca_pin</c> in <c>koi status</c>.</summary>
    public ComponentHealth Health => _health;

    /// <summary>Checks now. Returns the saved membership with the verdict (null when this machine is not a member).</summary>
    public async Task<MembershipDocument?> CheckAsync(CancellationToken cancellationToken)
    {
        await _checking.WaitAsync(cancellationToken);
        try
        {
            if (joiner.Membership.Current is not { } member)
            {
                Settle();
                return null;
            }

            CaIdentity identity;
            try
            {
                identity = await joiner.IdentifyAsync(member.CaEndpoint, cancellationToken);
            }
            catch (KoiException ex) when (ex.Code == KoiErrorCode.CaFingerprintMismatch)
            {
                return Alert(member, null, ex.Message);
            }
            catch (KoiException ex)
            {
                _health.Running($"member of {member.CaHostname}; CA at {member.CaEndpoint} not reachable: {ex.Message}");
                return member;
            }

            if (!string.Equals(identity.CaFingerprint, member.PinnedCaFingerprint, StringComparison.Ordinal))
            {
                return Alert(member, identity.CaFingerprint, $"the CA at {member.CaEndpoint} now presents fingerprint {identity.CaFingerprint}");
            }

            var now = time.GetUtcNow();
            var verified = joiner.Membership.Update(m => m with
            {
                LastVerified = now,
                Alert = m.Alert is { Active: true } alert ? alert with { Active = false } : m.Alert,
            });
            _health.Running($"member of {member.CaHostname}; CA verified {now.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}");
            return verified;
        }
        finally
        {
            _checking.Release();
        }
    }

    public void Dispose() => _checking.Dispose();

    private MembershipDocument? Alert(MembershipDocument member, string? seen, string detail)
    {
        var remedy = $"do not trust this network path: check on {member.CaHostname} that `koi certmesh status` shows {member.PinnedCaFingerprint}; "
            + $"if the CA was deliberately re-created, remove {files.Membership} and join again";
        var alert = new PinAlert($"{MitmMessage}: {detail}", remedy, member.CaEndpoint, seen, time.GetUtcNow(), Active: true);
        var saved = joiner.Membership.Update(m => m with { Alert = alert });
        using (var log = AuditLog.Open(files.MemberAuditLog, files.MemberAuditKey, time))
        {
            log.Append("ca_pin_mismatch", ("endpoint", member.CaEndpoint), ("pinned", member.PinnedCaFingerprint), ("seen", seen), ("detail", detail));
        }

        LogMitm(logger, member.CaEndpoint, member.PinnedCaFingerprint, seen ?? "(identity proof failed)");
        _health.Failed($"{MitmMessage} at {member.CaEndpoint}; {remedy}");
        events?.Publish(Authority.CertmeshAuthority.Capability, "ca_pin_mismatch", new CaPinMismatchEvent(member.CaEndpoint, member.PinnedCaFingerprint, seen));
        return saved;
    }

    /// <summary>Shows what is known without asking the CA: member of whom, or the alert still standing.</summary>
    public void Settle()
    {
        if (joiner.Membership.Current is { } member)
        {
            if (member.Alert is { Active: true } alert)
            {
                _health.Failed($"{alert.Message}; {alert.Remedy}");
            }
            else
            {
                _health.Running($"member of {member.CaHostname}; checking the CA every {options.CaCheckInterval.TotalSeconds:0}s");
            }
        }
        else
        {
            _health.Running("not a member of another CA's mesh");
        }
    }

    [LoggerMessage(EventId = 3110, Level = LogLevel.Warning, Message = "CA fingerprint changed — possible MITM: {Endpoint} pinned {Pinned}, saw {Seen}")]
    private static partial void LogMitm(ILogger logger, string endpoint, string pinned, string seen);

}
