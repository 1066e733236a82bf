using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Koi.Certmesh.Authority;
using Koi.Certmesh.MeshPlane;
using Koi.Certmesh.Roster;
using Koi.Core.Errors;

namespace Koi.Certmesh.Enrollment;

/// <summary>
/// The CA's answer to a joiner's hello (docs/certmesh.md "Joining"): public facts, and a signature over the joiner's
/// nonce by the primary's service key — which chains to the CA — so a machine that merely copied <c>ca.pem</c>
/// cannot answer. Works while locked.
/// </summary>
internal sealed class HelloSigner(CaContext ca, CaVault vault, EnrollmentWindow window, ServerCertificate served)
{
    public const string HelloContext = "koi-certmesh-hello";
    public const int MinNonceChars = 16;
    public const int MaxNonceChars = 128;

    // With nothing loaded yet, a torn read (see SignAsync) is retried this often, this far apart; a swap takes one rename.
    private const int PairReads = 3;
    private static readonly TimeSpan PairRetryDelay = TimeSpan.FromMilliseconds(50);

    /// <summary>The signed text of a hello: a fixed context, then the joiner's nonce, the fingerprint and the CA's host.</summary>
    public static string HelloText(string nonce, string caFingerprint, string hostname) =>
        $"{HelloContext}\n{nonce}\n{caFingerprint}\n{hostname}";

    public async Task<HelloProof> HelloAsync(string? nonce, CancellationToken cancellationToken)
    {
        if (nonce is null || nonce.Length is < MinNonceChars or > MaxNonceChars || !nonce.All(IsNonceChar))
        {
            throw new KoiException(KoiErrorCode.InvalidRequest, $"nonce must be {MinNonceChars}–{MaxNonceChars} characters of [A-Za-z0-9+/=_-]");
        }

        var roster = ca.RequireInitialized();
        var meta = roster.Metadata;
        var primary = roster.Members.FirstOrDefault(m => m.Role == MemberRole.Primary)
            ?? throw new KoiException(KoiErrorCode.Unavailable, "the roster names no primary");
        var (certPem, signature) = await SignAsync(primary.CertPath, HelloText(nonce, meta.CaFingerprint, primary.Hostname), cancellationToken);
        var open = window.IsOpenNow(meta);
        return new HelloProof(
            primary.Hostname,
            meta.CaFingerprint,
            CreatePlan.ProfileFlag(meta.TrustProfile),
            open ? "open" : "closed",
            open ? meta.EnrollmentClosesAt : null,
            meta.RequireApproval,
            vault.CaPem(),
            certPem,
            signature)
        {
            CaTime = ca.Now,
            MeshPort = ca.MeshPort,
        };
    }

    /// <summary>
    /// Signs <paramref name="text"/> with the key of the certificate the mesh plane presents, and returns that
    /// certificate: one source for both, so the joiner's check that the TLS server is the machine that answered the
    /// hello cannot be failed by the CA's own renewal swapping the files in between. With no whole pair loaded yet
    /// (the first read straddled a swap), it is read again a few times, and never signed when torn.
    /// </summary>
    private async Task<(string CertPem, string Signature)> SignAsync(string directory, string text, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            if (served.Current() is { } certificate)
            {
                using var key = certificate.GetECDsaPrivateKey()
                    ?? throw new KoiException(KoiErrorCode.Unavailable, $"the CA's own service certificate in {directory} has no ECDSA key");
                return (certificate.ExportCertificatePem() + "\n", Convert.ToBase64String(key.SignData(Encoding.UTF8.GetBytes(text), HashAlgorithmName.SHA256)));
            }

            if (attempt == PairReads)
            {
                throw new KoiException(KoiErrorCode.Unavailable, $"the CA's own service certificate and key in {directory} are unreadable or do not match (being replaced?); try again");
            }

            await Task.Delay(PairRetryDelay, ct);
        }
    }

    private static bool IsNonceChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '+' or '/' or '=' or '_' or '-';
}
