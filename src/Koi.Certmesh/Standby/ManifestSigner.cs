using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Koi.Certmesh.Standby;

/// <summary>
/// Signs and verifies the small statements CAs of one mesh make to each other (a sync manifest, a role claim) with
/// the CA key. Like the trust bundle, the exact JSON bytes are signed, behind a context string of their own so no
/// signature can be passed off as one over a bundle or a certificate.
/// </summary>
internal static class ManifestSigner
{
    public const int MaxPayloadBytes = 64 * 1024;

    public static SignedManifest Sign<T>(T value, JsonTypeInfo<T> info, ECDsa caKey, string context)
    {
        var payload = JsonSerializer.SerializeToUtf8Bytes(value, info);
        return new SignedManifest(Convert.ToBase64String(payload), Convert.ToBase64String(caKey.SignData(Signed(context, payload), HashAlgorithmName.SHA256)));
    }

    /// <summary>The statement, if signed by <paramref name="caCert"/>'s key; otherwise null and why in <paramref name="problem"/>.</summary>
    public static T? Verify<T>(SignedManifest signed, JsonTypeInfo<T> info, X509Certificate2 caCert, string context, out string? problem)
        where T : class
    {
        try
        {
            var payload = Convert.FromBase64String(signed.Payload);
            var signature = Convert.FromBase64String(signed.Signature);
            if (payload.Length > MaxPayloadBytes)
            {
                problem = "the signed statement is too large";
                return null;
            }

            using var key = caCert.GetECDsaPublicKey();
            if (key is null || !key.VerifyData(Signed(context, payload), signature, HashAlgorithmName.SHA256))
            {
                problem = "the signature does not verify under the CA certificate";
                return null;
            }

            problem = null;
            return JsonSerializer.Deserialize(payload, info) ?? throw new JsonException("empty");
        }
        catch (Exception ex) when (ex is FormatException or JsonException or CryptographicException)
        {
            problem = $"malformed signed statement: {ex.Message}";
            return null;
        }
    }

    public static string Sha256(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    private static byte[] Signed(string context, ReadOnlySpan<byte> payload) => [.. Encoding.ASCII.GetBytes(context + "\n"), .. payload];
}
