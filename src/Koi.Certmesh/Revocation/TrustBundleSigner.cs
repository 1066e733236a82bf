using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Koi.Core.Storage;

namespace Koi.Certmesh.Revocation;

/// <summary>Signs a trust bundle with the CA key. Only the CA, unlocked, ever calls it.</summary>
internal static class TrustBundleSigner
{
    /// <summary>Prefixed to the signed bytes so a signature over a bundle can never pass for one over anything else.</summary>
    public static readonly byte[] Context = Encoding.ASCII.GetBytes("koi-certmesh-trust-bundle-v1\n");

    public static SignedTrustBundle Sign(TrustBundle bundle, ECDsa caKey)
    {
        var payload = JsonSerializer.SerializeToUtf8Bytes(bundle, CertmeshJsonContext.Default.TrustBundle);
        var signature = caKey.SignData(Signed(payload), HashAlgorithmName.SHA256);
        return new SignedTrustBundle(Convert.ToBase64String(payload), Convert.ToBase64String(signature));
    }

    internal static byte[] Signed(ReadOnlySpan<byte> payload)
    {
        var bytes = new byte[Context.Length + payload.Length];
        Context.CopyTo(bytes, 0);
        payload.CopyTo(bytes.AsSpan(Context.Length));
        return bytes;
    }
}
