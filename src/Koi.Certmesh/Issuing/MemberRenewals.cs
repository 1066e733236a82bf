using Koi.Certmesh.Authority;
using Koi.Certmesh.Enrollment;
using Koi.Certmesh.MeshPlane;
using Koi.Certmesh.Roster;
using Koi.Core.Errors;
using Microsoft.Extensions.Logging;

namespace Koi.Certmesh.Issuing;

/// <summary>
/// Renewal at the CA: a member that proved itself at the mTLS handshake sends a CSR for a fresh key and gets a
/// certificate with the names it already holds; the CA host renews its own service certificate the same way.
/// Needs the CA unlocked; every renewal and every refusal is audited.
/// </summary>
internal sealed partial class MemberRenewals(CaContext ca, CaVault vault, MeshIssuer issuer, JoinLedger ledger)
{
    public Task<RenewResponse> RenewAsync(MeshPeer peer, RenewRequest body, CancellationToken cancellationToken)
    {
        if (JoinCsr.Check(body.Csr, ledger.Policy.MaxCsrChars, out var problem) is not { } key)
        {
            ca.Audit.Write("renew_refused", ("hostname", peer.Hostname), ("reason", "invalid_request"));
            throw new KoiException(KoiErrorCode.InvalidRequest, problem!);
        }

        return ca.Serialized(() =>
        {
            var roster = ca.RequireInitialized();
            var member = roster.Members.FirstOrDefault(m => m.Status == MemberStatus.Active && MemberStanding.SameHost(m.Hostname, peer.Hostname));
            if (member is null)
            {
                ca.Audit.Write("renew_refused", ("hostname", peer.Hostname), ("reason", "not_a_member"));
                throw new KoiException(KoiErrorCode.Forbidden, $"{peer.Hostname} is not an active member of this mesh");
            }

            var secrets = vault.RequireUnlocked("renew");
            using var cert = issuer.Reissue(vault.CaCert!, secrets.CaKey, key, member, roster.Metadata.Policy);
            var renewed = Record(member, cert, "member");
            return new RenewResponse(renewed.Hostname, cert.ExportCertificatePem() + "\n", vault.CaPem(), roster.Metadata.CaFingerprint,
                cert.SerialNumber.ToLowerInvariant(), renewed.CertExpires, renewed.CertSans);
        }, cancellationToken);
    }

    /// <summary>The CA host's own service certificate, renewed in place (fresh key, same names and scope rules).</summary>
    public Task<RosterMember> RenewOwnAsync(CancellationToken cancellationToken) => ca.Serialized(() =>
    {
        var roster = ca.RequireInitialized();
        var primary = roster.Members.First(m => m.Role == MemberRole.Primary);
        var secrets = vault.RequireUnlocked("renew_own");
        var meta = roster.Metadata;
        var (cert, _) = issuer.IssueOwn(vault.CaCert!, secrets.CaKey, primary.Hostname, meta.DomainScope, meta.SubnetScope, meta.Policy, ca.Now);
        using (cert)
        {
            return Record(primary, cert, "own");
        }
    }, cancellationToken);

    /// <summary>Under the gate: the roster learns the new certificate, the audit log and the event stream the renewal.</summary>
    private RosterMember Record(RosterMember member, System.Security.Cryptography.X509Certificates.X509Certificate2 cert, string kind)
    {
        var now = ca.Now;
        var renewed = member with
        {
            CertFingerprint = CertificateAuthorityFactory.Fingerprint(cert),
            CertExpires = cert.NotAfter.ToUniversalTime(),
            CertSans = CaLifecycle.SanStrings(cert),
            LastSeen = now,
            LastRenewed = now,
        };
        var serial = cert.SerialNumber.ToLowerInvariant();

        // The line first: a renewed certificate the audit log does not show is never handed out (fail closed).
        ca.Audit.WriteOrRefuse("cert_renewed", ("hostname", member.Hostname), ("kind", kind), ("serial", serial),
            ("old_fingerprint", member.CertFingerprint), ("fingerprint", renewed.CertFingerprint), ("expires", renewed.CertExpires.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture)));
        ca.Roster.Update(r => r! with { Members = [.. r.Members.Select(m => m.Hostname == member.Hostname ? renewed : m)] });
        LogRenewed(ca.Logger, member.Hostname, serial, renewed.CertExpires);
        ca.Publish("cert_renewed", new CertRenewedEvent(member.Hostname, serial, renewed.CertFingerprint, renewed.CertExpires));
        return renewed;
    }
}

/// <summary>The <c>cert_renewed</c> event on the CA's event stream.</summary>
internal sealed record CertRenewedEvent(string Hostname, string Serial, string CertFingerprint, DateTimeOffset Expires);
