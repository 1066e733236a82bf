using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Koi.Certmesh.Authority;
using Koi.Certmesh.Roster;
using Koi.Core.Errors;

namespace Koi.Certmesh.Enrollment;

/// <summary>
/// The CA's answer to a joiner's hello (docs/certmesh.md "Joining"): public facts, and a signature over the joiner's
/// nonce by the primary's service key — which chains to the CA — so a machine that merely copied <c>ca.pem</c>
/// cannot answer. Works while locked.
/// </summary>
internal sealed class HelloSigner(CaContext ca, CaVault vault, EnrollmentWindow window)
{
    public const string HelloContext = "koi-certmesh-hello";
    public const int MinNonceChars = 16;
    public const int MaxNonceChars = 128;

    // A torn read (see SignAsync) is retried this often, this far apart; a swap takes one rename.
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
    /// Signs <paramref name="text"/> with the service key in <paramref name="directory"/> and returns the certificate of
    /// that same key. The CA's own renewal replaces the directory as a whole (docs/certmesh.md, "Renewal"); a read that
    /// straddles the swap gets one generation's certificate and the other's key, and a hello signed with those looks
    /// to the joiner exactly like an impostor ("possible MITM"). So the pair is checked and read again, and never
    /// signed when torn.
    /// </summary>
    private static async Task<(string CertPem, string Signature)> SignAsync(string directory, string text, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            string certPem;
            string keyPem;
            try
            {
                certPem = await File.ReadAllTextAsync(Path.Combine(directory, "cert.pem"), ct);
                keyPem = await File.ReadAllTextAsync(Path.Combine(directory, "key.pem"), ct);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new KoiException(KoiErrorCode.Unavailable, $"the CA's own service certificate is unreadable ({directory})");
            }

            using var key = ECDsa.Create();
            key.ImportFromPem(keyPem);
            if (Belongs(key, certPem))
            {
                return (certPem, Convert.ToBase64String(key.SignData(Encoding.UTF8.GetBytes(text), HashAlgorithmName.SHA256)));
            }

            if (attempt == PairReads)
            {
                throw new KoiException(KoiErrorCode.Unavailable, $"the CA's own service certificate and key in {directory} do not match (being replaced?); try again");
            }

            await Task.Delay(PairRetryDelay, ct);
        }
    }

    private static bool Belongs(ECDsa key, string certPem)
    {
        using var certificate = X509Certificate2.CreateFromPem(certPem);
        using var certified = certificate.GetECDsaPublicKey();
        return certified is not null && certified.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(key.ExportSubjectPublicKeyInfo());
    }

    private static bool IsNonceChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '+' or '/' or '=' or '_' or '-';
}
