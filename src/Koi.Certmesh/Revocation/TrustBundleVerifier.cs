using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Koi.Certmesh.Issuing;
using Koi.Core.Storage;

namespace Koi.Certmesh.Revocation;

/// <summary>
/// Decides whether a member may apply a bundle: the CA certificate inside must be the pinned one (by SHA-256
/// fingerprint), the signature must verify under that certificate's key, and the sequence must not go backwards —
/// an older bundle replayed by someone on the path would otherwise un-revoke a machine.
/// </summary>
internal static class TrustBundleVerifier
{
    /// <summary>Far above any real bundle (a CA certificate and a CRL with thousands of entries), bounding what is parsed.</summary>
    public const int MaxPayloadBytes = 1 << 20;

    /// <param name="pinnedFingerprint">The CA fingerprint the member pinned when it joined.</param>
    /// <param name="heldSequence">The sequence of the bundle the member holds now, or null when it holds none.</param>
    /// <returns>The verified bundle; its sequence may equal <paramref name="heldSequence"/> (nothing new).</returns>
    /// <exception cref="TrustBundleRejectedException">The bundle must not be applied; nothing is to be changed.</exception>
    /// <param name="heldEpoch">The epoch of the bundle held now: a lower one is refused, a higher one wins whatever its sequence.</param>
    public static TrustBundle Verify(SignedTrustBundle signed, string pinnedFingerprint, long? heldSequence, long? heldEpoch = null)
    {
        var payload = Decode(signed.Payload, "payload");
        var signature = Decode(signed.Signature, "signature");
        if (payload.Length > MaxPayloadBytes)
        {
            throw new TrustBundleRejectedException("malformed", $"the trust bundle is larger than {MaxPayloadBytes} bytes");
        }

        TrustBundle bundle;
        X509Certificate2 ca;
        try
        {
            bundle = JsonSerializer.Deserialize(payload, CertmeshJsonContext.Default.TrustBundle) ?? throw new JsonException("empty");
            ca = X509Certificate2.CreateFromPem(bundle.CaCert);
        }
        catch (Exception ex) when (ex is JsonException or CryptographicException or ArgumentException or NotSupportedException)
        {
            throw new TrustBundleRejectedException("malformed", $"the trust bundle cannot be read: {ex.Message}");
        }

        using (ca)
        {
            var fingerprint = CertificateAuthorityFactory.Fingerprint(ca);
            if (!string.Equals(fingerprint, pinnedFingerprint, StringComparison.Ordinal)
                || !string.Equals(bundle.CaFingerprint, pinnedFingerprint, StringComparison.Ordinal))
            {
                throw new TrustBundleRejectedException("wrong_ca", $"the trust bundle is for CA {fingerprint}, not the pinned {pinnedFingerprint}");
            }

            using var key = ca.GetECDsaPublicKey();
            if (key is null || !key.VerifyData(TrustBundleSigner.Signed(payload), signature, HashAlgorithmName.SHA256))
            {
                throw new TrustBundleRejectedException("bad_signature", "the trust bundle's signature does not verify under the pinned CA");
            }

            // The bundle's signature covers the head already; its own signature is checked too, so a head a member
            // keeps is one the CA signed as a head, whichever document carried it.
            if (bundle.AuditHead is { } head && !head.SignedBy(ca))
            {
                throw new TrustBundleRejectedException("bad_audit_head", "the audit head in the trust bundle is not signed by the pinned CA");
            }
        }

        if (bundle.SchemaVersion != TrustBundle.CurrentSchemaVersion)
        {
            throw new TrustBundleRejectedException("malformed", $"trust bundle schema {bundle.SchemaVersion} is not understood by this koi");
        }

        if (heldEpoch is { } epoch && bundle.Epoch < epoch)
        {
            throw new TrustBundleRejectedException("older", $"the trust bundle was signed under epoch {bundle.Epoch}, older than the {epoch} already applied (a CA that has since deferred?)");
        }

        if (heldSequence is { } held && bundle.Sequence < held && !(heldEpoch is { } mine && bundle.Epoch > mine))
        {
            throw new TrustBundleRejectedException("older", $"the trust bundle has sequence {bundle.Sequence}, older than the {held} already applied (replayed?)");
        }

        return bundle;
    }

    private static byte[] Decode(string? base64, string field)
    {
        try
        {
            return Convert.FromBase64String(base64 ?? throw new FormatException("missing"));
        }
        catch (FormatException)
        {
            throw new TrustBundleRejectedException("malformed", $"the trust bundle's {field} is not base64");
        }
    }
}
