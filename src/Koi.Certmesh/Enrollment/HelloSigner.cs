using System.Security.Cryptography;
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
            signature);
    }

    private static bool IsNonceChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '+' or '/' or '=' or '_' or '-';
}
