using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Koi.Certmesh.Issuing;
using Koi.Certmesh.MeshPlane;
using Koi.Core.Errors;
using Koi.Core.Events;
using Koi.Core.Naming;
using Koi.Core.Networking;
using Microsoft.Extensions.Logging;

namespace Koi.Certmesh.Membership;

/// <summary>
/// A member renewing its own certificate: a fresh key made here, a CSR over the mTLS plane (the current certificate
/// as client certificate), the answer checked against the pinned CA and the new key, the files swapped as a set, then
/// the reload hook. A failure keeps the old files, counts, and is tried again with back-off.
/// </summary>
internal sealed partial class MemberRenewal(
    MembershipStore membership,
    MeshClient mesh,
    MemberFiles files,
    MemberAuditTrail audit,
    TimeProvider time,
    ILogger logger,
    IEventBus? events = null,
    ServiceNameBoard? names = null,
    ILocalAddresses? local = null) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>How long a reload hook may run (tests shorten it).</summary>
    public TimeSpan HookTimeout { get; init; } = ReloadHook.DefaultTimeout;

    /// <summary>The certificate on disk with its renew point; null when it cannot be read.</summary>
    public CertificateFacts? Facts(MembershipDocument member)
    {
        try
        {
            using var cert = X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(files.CertPath(member.Hostname), "cert.pem")));
            var notBefore = new DateTimeOffset(cert.NotBefore.ToUniversalTime());
            var notAfter = new DateTimeOffset(cert.NotAfter.ToUniversalTime());
            var serial = cert.SerialNumber.ToLowerInvariant();
            return new CertificateFacts(serial, notBefore, notAfter, RenewalSchedule.RenewAt(notBefore, notAfter, member.Policy, serial));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException)
        {
            return null;
        }
    }

    /// <summary>Renews when due (or when <paramref name="force"/>d) and not inside a back-off; returns what happened.</summary>
    public async Task<RenewalView> RenewIfDueAsync(bool force, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var member = membership.Current ?? throw MemberService.NotAMember();
            var facts = Facts(member);
            var now = time.GetUtcNow();
            if (!force && facts is { } f && (now < f.RenewAt || (member.NextRenewalAttempt is { } next && now < next)))
            {
                return View(member, facts, renewed: false);
            }

            try
            {
                return await RenewAsync(member, cancellationToken);
            }
            catch (Exception ex) when (ex is KoiException or MeshServerRefusedException or IOException or CryptographicException)
            {
                var failures = member.RenewalFailures + 1;
                var notAfter = facts?.NotAfter ?? now;
                var saved = membership.Update(m => m with
                {
                    RenewalState = "failing",
                    RenewalDetail = ex.Message,
                    RenewalFailures = failures,
                    NextRenewalAttempt = RenewalSchedule.NextAttempt(now, failures, notAfter),
                })!;
                audit.Write("renew_failed", ("reason", ex.Message), ("failures", failures.ToString(CultureInfo.InvariantCulture)));
                LogRenewFailed(logger, failures, ex.Message);
                events?.Publish(Authority.CaContext.Capability, "renewal_failed", new RenewalFailedEvent(member.Hostname, ex.Message, failures));
                if (force)
                {
                    throw;
                }

                return View(saved, facts, renewed: false);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<RenewalView> RenewAsync(MembershipDocument member, CancellationToken cancellationToken)
    {
        var dir = files.CertPath(member.Hostname);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var csr = new CertificateRequest($"CN={member.Hostname}", key, HashAlgorithmName.SHA256).CreateSigningRequestPem();
        var labels = names?.Wanted();
        var addresses = await ProveAddressesAsync(member, cancellationToken);
        var answer = await mesh.RenewAsync(member, new RenewRequest(csr, labels, addresses), cancellationToken);

        var caPem = await File.ReadAllTextAsync(Path.Combine(dir, "ca.pem"), cancellationToken);
        using var pinned = X509Certificate2.CreateFromPem(caPem);
        using var leaf = X509Certificate2.CreateFromPem(answer.ServiceCert);
        var now = time.GetUtcNow();
        if (HelloVerifier.ChainProblem(leaf, pinned, now) is { } chain)
        {
            throw new KoiException(KoiErrorCode.CaUnreachable, $"the renewed certificate does not chain to the pinned CA ({chain}); the old files stay");
        }

        using (var leafKey = leaf.GetECDsaPublicKey())
        {
            if (leafKey is null || !leafKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(key.ExportSubjectPublicKeyInfo()))
            {
                throw new KoiException(KoiErrorCode.CaUnreachable, "the CA returned a certificate for another key; the old files stay");
            }
        }

        CertFileSet.Write(dir, leaf.ExportCertificatePem() + "\n", key.ExportPkcs8PrivateKeyPem() + "\n", caPem);
        var serial = leaf.SerialNumber.ToLowerInvariant();
        audit.Write("cert_renewed", ("serial", serial), ("expires", leaf.NotAfter.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture)));
        var expires = new DateTimeOffset(leaf.NotAfter.ToUniversalTime());
        LogRenewed(logger, serial, expires);

        var hookProblem = member.ReloadHook is { } hook ? await ReloadHook.RunAsync(hook, HookTimeout, cancellationToken) : null;
        if (member.ReloadHook is not null)
        {
            audit.Write(hookProblem is null ? "reload_hook_ran" : "reload_hook_failed", ("hook", member.ReloadHook), ("detail", hookProblem));
            if (hookProblem is not null)
            {
                LogHookFailed(logger, hookProblem);
            }
        }

        var saved = membership.Update(m => m with
        {
            CertExpires = leaf.NotAfter.ToUniversalTime(),
            Sans = [.. answer.Sans],
            LastRenewed = now,
            RenewalState = hookProblem is null ? "ok" : "degraded",
            RenewalDetail = hookProblem is null ? null : $"renewed, but the reload hook failed: {hookProblem}",
            RenewalFailures = 0,
            NextRenewalAttempt = null,
            ServiceLabels = labels is null ? m.ServiceLabels : [.. labels],
            ReportedAddresses = addresses ?? m.ReportedAddresses,
            ServiceNames = answer.Names is null ? m.ServiceNames : [.. answer.Names],
        })!;
        if (answer.Names is not null)
        {
            names?.Decide(answer.Names);
        }

        events?.Publish(Authority.CaContext.Capability, "renewed", new MemberRenewedEvent(member.Hostname, serial, leaf.NotAfter.ToUniversalTime(), saved.RenewalState!));
        return View(saved, Facts(saved), renewed: true);
    }

    /// <summary>
    /// This machine's current LAN addresses, each proved to the CA by a request sent from it, so the renewal may
    /// certify them (docs/certmesh.md "Addresses"); null when unknown (the CA then keeps the ones it holds). An
    /// address whose proof fails is still reported: the CA leaves it out as unproven, and says so in its audit log.
    /// </summary>
    private async Task<List<string>?> ProveAddressesAsync(MembershipDocument member, CancellationToken cancellationToken)
    {
        if (local?.Current is not { Count: > 0 } current)
        {
            return null;
        }

        var addresses = current.Where(a => Koi.Core.Net.IpRanges.IsPrivate(a)).ToList();
        foreach (var address in addresses)
        {
            try
            {
                await mesh.ProveAddressAsync(member, address, cancellationToken);
            }
            catch (Exception ex) when (ex is KoiException or MeshServerRefusedException or IOException or System.Net.Sockets.SocketException)
            {
                LogProofFailed(logger, address.ToString(), ex.Message);
            }
        }

        return [.. addresses.Select(a => a.ToString())];
    }

    /// <summary>Whether a re-issue would change what this member asks for: other labels, or other addresses.</summary>
    public bool AsksForOther(MembershipDocument member)
    {
        var labels = names?.Wanted() ?? [];
        if (!labels.SequenceEqual(member.ServiceLabels ?? [], StringComparer.Ordinal))
        {
            return true;
        }

        if (local?.Current is not { Count: > 0 } current)
        {
            return false;
        }

        // Compared with what it reported last time, not with the certificate: an address the CA refuses (outside the
        // subnet scope, unproven) would otherwise ask for a re-issue at every change.
        var now = current.Where(a => Koi.Core.Net.IpRanges.IsPrivate(a)).Select(a => a.ToString()).Order(StringComparer.Ordinal);
        var held = member.ReportedAddresses ?? [.. member.Sans.Where(s => System.Net.IPAddress.TryParse(s, out _))];
        return !now.SequenceEqual(held.Order(StringComparer.Ordinal), StringComparer.Ordinal);
    }

    private static RenewalView View(MembershipDocument member, CertificateFacts? facts, bool renewed) =>
        new(renewed, member.RenewalState ?? "ok", member.RenewalDetail, facts?.Serial, facts?.NotAfter, facts?.RenewAt, member.NextRenewalAttempt, member.LastRenewed);

    public void Dispose() => _gate.Dispose();
}

/// <summary>A member's certificate as read from disk, with its renew point.</summary>
internal sealed record CertificateFacts(string Serial, DateTimeOffset NotBefore, DateTimeOffset NotAfter, DateTimeOffset RenewAt);

/// <summary><c>POST /v1/certmesh/renew</c> on a member: whether it renewed, and the certificate's state now.</summary>
internal sealed record RenewalView(
    bool Renewed,
    string State,
    string? Detail,
    string? Serial,
    DateTimeOffset? CertExpires,
    DateTimeOffset? RenewAt,
    DateTimeOffset? NextAttempt,
    DateTimeOffset? LastRenewed);

internal sealed record MemberRenewedEvent(string Hostname, string Serial, DateTimeOffset Expires, string State);

internal sealed record RenewalFailedEvent(string Hostname, string Reason, int Failures);
