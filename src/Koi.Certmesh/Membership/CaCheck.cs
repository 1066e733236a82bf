using Koi.Certmesh.Api;
using Koi.Certmesh.Audit;
using Koi.Certmesh.MeshPlane;
using Koi.Core.Errors;
using Koi.Core.Events;
using Koi.Core.Status;
using Microsoft.Extensions.Logging;

namespace Koi.Certmesh.Membership;

/// <summary>
/// On a member, every <see cref="CertmeshOptions.CaCheckInterval"/> (and on demand): proves that whoever answers at
/// the CA endpoint holds a key certified by the pinned CA, judges time separately (<see cref="CaVerdict"/>: expired,
/// not yet valid, clock skew, unreachable are problems, not attacks), then reports to the CA over the mTLS plane
/// (heartbeat). Only a changed fingerprint is the MITM alert: audited, logged as a warning, kept in
/// <c>membership.json</c> and shown by <c>koi certmesh status</c> until a check passes. When the recorded endpoint does
/// not answer, the CA is looked for where mDNS announces it (a restored CA on another machine, docs/certmesh.md,
/// "Backup and restore"): an endpoint is taken only after it proves the pinned CA's key, never on its announcement.
/// </summary>
internal sealed partial class CaCheck(
    MembershipStore membership,
    CaClient ca,
    MeshClient mesh,
    MemberRenewal renewal,
    MemberFiles files,
    MemberAuditTrail audit,
    CertmeshOptions options,
    StatusRegistry status,
    TimeProvider time,
    ILogger logger,
    IEventBus? events = null) : IDisposable
{
    public const string MitmMessage = "CA fingerprint changed — possible MITM";

    /// <summary>Finds the primary a standby became, when the CA endpoint stops answering; null when not wired.</summary>
    internal Standby.PrimaryFinder? Primaries { get; init; }

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
            if (membership.Current is not { } member)
            {
                Settle();
                return null;
            }

            var nonce = HelloVerifier.NewNonce();
            CaVerdict verdict;
            HelloResponse? hello = null;
            try
            {
                hello = await ca.HelloAsync(member.CaEndpoint, nonce, cancellationToken);
                verdict = CaVerdict.Judge(hello, nonce, member.PinnedCaFingerprint, time.GetUtcNow(), member.CaHostname);
            }
            catch (KoiException ex)
            {
                verdict = new CaVerdict(CaVerdictKind.Unreachable, ex.Message);
            }

            // The CA may have failed over to its standby: follow a proven primary of the same mesh (docs/certmesh.md, "Failover").
            if (verdict.Kind == CaVerdictKind.Unreachable && Primaries is not null && await Primaries.FindAsync(member, cancellationToken) is { } moved)
            {
                LogCaMoved(logger, member.CaEndpoint, moved.CaEndpoint, member.PinnedCaFingerprint);
                events?.Publish(Authority.CaContext.Capability, "ca_moved", new CaMovedEvent(member.CaEndpoint, moved.CaEndpoint, moved.CaHostname));
                member = moved;
                nonce = HelloVerifier.NewNonce();
                hello = await ca.HelloAsync(member.CaEndpoint, nonce, cancellationToken);
                verdict = CaVerdict.Judge(hello, nonce, member.PinnedCaFingerprint, time.GetUtcNow(), member.CaHostname);
            }

            if (verdict.Kind == CaVerdictKind.FingerprintChanged)
            {
                return Alert(member, hello?.CaFingerprint is { } seen && seen != member.PinnedCaFingerprint ? seen : null, verdict.Detail);
            }

            MeshPolicyView? policy = null;
            if (verdict.Kind == CaVerdictKind.Verified)
            {
                (verdict, policy) = await HeartbeatAsync(member with { CaMeshPort = hello?.MeshPort ?? member.CaMeshPort }, cancellationToken);
            }

            return Record(member, verdict, hello?.MeshPort, policy);
        }
        finally
        {
            _checking.Release();
        }
    }

    /// <summary>Shows what is known without asking the CA: member of whom, or the alert still standing.</summary>
    public void Settle()
    {
        if (membership.Current is { } member)
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

    public void Dispose() => _checking.Dispose();

    /// <summary>The report to the CA over mTLS; its failure turns a verified identity into the verdict of why.</summary>
    private async Task<(CaVerdict Verdict, MeshPolicyView? Policy)> HeartbeatAsync(MembershipDocument member, CancellationToken cancellationToken)
    {
        var facts = renewal.Facts(member);
        try
        {
            var answer = await mesh.HeartbeatAsync(member, new HeartbeatRequest(member.ReloadHook, RenewalStateText(member), facts?.NotAfter), cancellationToken);
            return (new CaVerdict(CaVerdictKind.Verified, "identity proven, certificates valid, heartbeat recorded"), answer.Policy);
        }
        catch (MeshServerRefusedException ex)
        {
            var kind = ex.Kind switch
            {
                "expired" => CaVerdictKind.Expired,
                "not_yet_valid" => CaVerdictKind.NotYetValid,
                _ => CaVerdictKind.FingerprintChanged,
            };
            return (new CaVerdict(kind, $"mesh plane: {ex.Message}"), null);
        }
        catch (KoiException ex)
        {
            return (new CaVerdict(CaVerdictKind.Unreachable, $"mesh plane: {ex.Message}"), null);
        }
    }

    private MembershipDocument? Record(MembershipDocument member, CaVerdict verdict, int? meshPort, MeshPolicyView? policy)
    {
        var now = time.GetUtcNow();
        var saved = membership.Update(m => m with
        {
            LastVerified = verdict.Kind == CaVerdictKind.Verified ? now : m.LastVerified,
            LastVerdict = verdict.Name,
            LastVerdictDetail = verdict.Detail,
            Alert = verdict.Kind == CaVerdictKind.Verified && m.Alert is { Active: true } alert ? alert with { Active = false } : m.Alert,
            CaMeshPort = meshPort ?? m.CaMeshPort,
            Policy = policy ?? m.Policy,
        });
        if (verdict.Kind == CaVerdictKind.Verified)
        {
            _health.Running($"member of {member.CaHostname}; CA verified {now.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}");
        }
        else
        {
            if (member.LastVerdict != verdict.Name)
            {
                audit.Write("ca_check_failed", ("verdict", verdict.Name), ("detail", verdict.Detail));
                LogCheckProblem(logger, verdict.Name, verdict.Detail);
                events?.Publish(Authority.CaContext.Capability, "ca_check_failed", new CaCheckFailedEvent(member.CaEndpoint, verdict.Name, verdict.Detail));
            }

            _health.Running($"member of {member.CaHostname}; CA check: {verdict.Name}: {verdict.Detail}");
        }

        return saved;
    }

    private MembershipDocument? Alert(MembershipDocument member, string? seen, string detail)
    {
        var remedy = $"do not trust this network path: check on {member.CaHostname} that `koi certmesh status` shows {member.PinnedCaFingerprint}; "
            + $"if the CA was deliberately re-created, remove {files.Membership} and join again";
        var alert = new PinAlert($"{MitmMessage}: {detail}", remedy, member.CaEndpoint, seen, time.GetUtcNow(), Active: true);
        var saved = membership.Update(m => m with { Alert = alert, LastVerdict = "fingerprint_changed", LastVerdictDetail = detail });
        audit.Write("ca_pin_mismatch", ("endpoint", member.CaEndpoint), ("pinned", member.PinnedCaFingerprint), ("seen", seen), ("detail", detail));
        LogMitm(logger, member.CaEndpoint, member.PinnedCaFingerprint, seen ?? "(identity proof failed)");
        _health.Failed($"{MitmMessage} at {member.CaEndpoint}; {remedy}");
        events?.Publish(Authority.CertmeshAuthority.Capability, "ca_pin_mismatch", new CaPinMismatchEvent(member.CaEndpoint, member.PinnedCaFingerprint, seen));
        return saved;
    }

    private static string? RenewalStateText(MembershipDocument member) =>
        member.RenewalState is null ? null : member.RenewalDetail is null ? member.RenewalState : $"{member.RenewalState}: {member.RenewalDetail}";
}

internal sealed record CaCheckFailedEvent(string Endpoint, string Verdict, string Detail);

internal sealed record CaMovedEvent(string From, string To, string Hostname);
