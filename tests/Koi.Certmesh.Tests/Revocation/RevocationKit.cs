using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Koi.Certmesh.Issuing;
using Koi.Certmesh.Revocation;
using Koi.Certmesh.Roster;
using Koi.Testing;

namespace Koi.Certmesh.Tests.Revocation;

/// <summary>A CA key and certificate, leaves it issues, and a roster that revokes some of them.</summary>
internal sealed class RevocationKit : IDisposable
{
    public RevocationKit(ManualTimeProvider? time = null)
    {
        Time = time ?? new ManualTimeProvider();
        CaKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        CaCert = CertificateAuthorityFactory.CreateCertificate(CaKey, "stone-01", Time.GetUtcNow());
    }

    public ManualTimeProvider Time { get; }

    public ECDsa CaKey { get; }

    public X509Certificate2 CaCert { get; }

    public string Fingerprint => CertificateAuthorityFactory.Fingerprint(CaCert);

    /// <summary>A leaf for <paramref name="hostname"/> with its key (for use as a TLS client certificate).</summary>
    public X509Certificate2 Issue(string hostname)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={hostname}", key, HashAlgorithmName.SHA256);
        using var cert = ServiceCertificateIssuer.Issue(CaCert, CaKey, request.PublicKey, hostname, new SanSet([$"{hostname}.lan"], [IPAddress.Loopback]), Time.GetUtcNow(), TimeSpan.FromDays(30));
        return cert.CopyWithPrivateKey(key);
    }

    public static string Serial(X509Certificate2 cert) => RevocationListSigner.SerialHex(cert.SerialNumberBytes.Span);

    public RosterDocument Roster(params (string Hostname, X509Certificate2 Cert)[] revoked) => new()
    {
        Metadata = new RosterMetadata
        {
            Created = Time.GetUtcNow(),
            TrustProfile = TrustProfile.Personal,
            Operator = "self",
            TotpSecretHash = "x",
            TotpRotatedAt = Time.GetUtcNow(),
            EnrollmentState = EnrollmentState.Closed,
            RequireApproval = false,
            CaFingerprint = Fingerprint,
        },
        RevocationList = [.. revoked.Select(r => new RevocationEntry(r.Hostname, Time.GetUtcNow(), "self", null, [Serial(r.Cert)]))],
    };

    public void Dispose()
    {
        CaKey.Dispose();
        CaCert.Dispose();
    }
}
