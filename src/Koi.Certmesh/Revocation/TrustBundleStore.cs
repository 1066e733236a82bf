using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Koi.Core.Storage;
using Koi.Core.Trust;

namespace Koi.Certmesh.Revocation;

/// <summary>
/// The one writer of <c>certmesh/trust-bundle.json</c> and <c>certmesh/crl.pem</c>, and the in-memory trust that
/// TLS listeners read (<see cref="IMeshClientTrust"/>). On the CA it holds what the CA signed; on a member, the last
/// bundle that verified under its pin. Files are written atomically, the CRL first, so a crash never leaves a bundle
/// on disk whose CRL is older; memory changes only after both are saved.
/// </summary>
internal sealed class TrustBundleStore(string bundlePath, string crlPath) : IMeshClientTrust
{
    private readonly Lock _gate = new();
    private volatile HeldBundle? _held;

    public string BundlePath { get; } = bundlePath;

    public string CrlPath { get; } = crlPath;

    public HeldBundle? Held => _held;

    public MeshClientTrust Current => _held?.Trust ?? MeshClientTrust.None;

    /// <summary>Raised after a newer bundle was applied (listeners need nothing: they read <see cref="Current"/>).</summary>
    public event EventHandler<HeldBundle>? Applied;

    /// <summary>
    /// Reads the kept bundle and verifies it again under <paramref name="pinnedFingerprint"/>: a file edited on disk
    /// is refused like one from the network. Null when there is none.
    /// </summary>
    /// <exception cref="TrustBundleRejectedException">The file is not a bundle of that CA.</exception>
    public HeldBundle? Load(string pinnedFingerprint)
    {
        lock (_gate)
        {
            if (!File.Exists(BundlePath))
            {
                _held = null;
                return null;
            }

            SignedTrustBundle signed;
            try
            {
                signed = JsonSerializer.Deserialize(File.ReadAllBytes(BundlePath), CertmeshJsonContext.Default.SignedTrustBundle)
                    ?? throw new JsonException("empty");
            }
            catch (JsonException ex)
            {
                throw new TrustBundleRejectedException("malformed", $"{BundlePath} cannot be read: {ex.Message}");
            }

            var bundle = TrustBundleVerifier.Verify(signed, pinnedFingerprint, heldSequence: null);
            var held = Hold(signed, bundle);

            // The CRL file is derived; rewrite it if it is missing or stale so nginx always reads this bundle's CRL.
            if (!File.Exists(CrlPath) || File.ReadAllText(CrlPath) != bundle.Crl)
            {
                AtomicFile.WriteAllText(CrlPath, bundle.Crl);
            }

            _held = held;
            return held;
        }
    }

    /// <summary>
    /// Saves a verified bundle and makes it current. A bundle older than the one held is refused here too, whoever
    /// calls; the same sequence again changes nothing.
    /// </summary>
    /// <returns>True when the bundle was newer and is now held.</returns>
    public bool Apply(SignedTrustBundle signed, TrustBundle bundle)
    {
        HeldBundle held;
        lock (_gate)
        {
            // A higher epoch (a standby that took over) wins whatever its sequence; a lower one never does.
            if (_held is { } lower && bundle.Epoch < lower.Bundle.Epoch)
            {
                throw new TrustBundleRejectedException("older", $"the trust bundle was signed under epoch {bundle.Epoch}, older than the {lower.Bundle.Epoch} already applied");
            }

            if (_held is { } current && bundle.Epoch == current.Bundle.Epoch)
            {
                if (bundle.Sequence < current.Bundle.Sequence)
                {
                    throw new TrustBundleRejectedException("older", $"the trust bundle has sequence {bundle.Sequence}, older than the {current.Bundle.Sequence} already applied (replayed?)");
                }

                if (bundle.Sequence == current.Bundle.Sequence)
                {
                    return false;
                }
            }

            held = Hold(signed, bundle);
            AtomicFile.WriteAllText(CrlPath, bundle.Crl);
            AtomicFile.WriteAllText(BundlePath, KoiJson.ToIndentedString(signed, CertmeshJsonContext.Default.SignedTrustBundle));
            _held = held;
        }

        Applied?.Invoke(this, held);
        return true;
    }

    /// <summary>Forgets the bundle (the mesh was destroyed or left): memory first, so no listener admits anyone after.</summary>
    public void Clear()
    {
        lock (_gate)
        {
            _held = null;
            File.Delete(BundlePath);
            File.Delete(CrlPath);
        }
    }

    private static HeldBundle Hold(SignedTrustBundle signed, TrustBundle bundle)
    {
        byte[] crl;
        try
        {
            crl = RevocationListSigner.FromPem(bundle.Crl);
        }
        catch (FormatException ex)
        {
            throw new TrustBundleRejectedException("malformed", $"the trust bundle's CRL cannot be read: {ex.Message}");
        }

        var root = X509Certificate2.CreateFromPem(bundle.CaCert);
        var trust = new MeshClientTrust(root, SerialSet.FromHex(bundle.Revoked.Select(r => r.Serial)), bundle.Sequence);
        return new HeldBundle(signed, bundle, crl, trust);
    }
}
