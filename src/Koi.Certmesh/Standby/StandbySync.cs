using System.Text.Json;
using Koi.Certmesh.Membership;
using Koi.Certmesh.Revocation;
using Koi.Core.Errors;
using Koi.Core.Storage;

namespace Koi.Certmesh.Standby;

/// <summary>
/// One pull of the primary's roster, audit log and trust bundle by the standby. The manifest must verify under the
/// CA certificate the standby holds, name that CA, carry an epoch not below the standby's, and hash to exactly what
/// came with it; the bundle must verify and not go back in sequence. Anything else is refused and nothing is stored.
/// </summary>
internal sealed class StandbySync(StandbyNode node, MeshClient mesh)
{
    public async Task<SyncManifest> SyncAsync(CancellationToken cancellationToken)
    {
        var link = node.Link ?? throw new KoiException(KoiErrorCode.InvalidRequest, "this machine is not a standby CA");
        var response = await mesh.SendAsync(link.AsMember(), "/standby/sync", System.Net.Http.Json.JsonContent.Create(new EmptyBody(), CertmeshJsonContext.Default.EmptyBody), CertmeshJsonContext.Default.StandbySyncResponse, cancellationToken);
        await node.Gate.WaitAsync(cancellationToken);
        try
        {
            var manifest = Verify(response, link.PinnedCaFingerprint);
            node.ApplySync(response.Roster, response.AuditLog, response.Bundle is null ? null : KoiJson.ToIndentedString(response.Bundle, CertmeshJsonContext.Default.SignedTrustBundle));
            var state = node.Ha.Current!;
            node.Ha.Save(state with { Epoch = manifest.Epoch, Primary = manifest.PrimaryHostname });
            return manifest;
        }
        finally
        {
            node.Gate.Release();
        }
    }

    /// <exception cref="KoiException">The sync is not from this mesh's CA, or does not hang together.</exception>
    internal SyncManifest Verify(StandbySyncResponse response, string pinnedFingerprint)
    {
        var caCert = node.CaCert ?? throw new KoiException(KoiErrorCode.InvalidRequest, "the standby holds no CA certificate");
        var manifest = ManifestSigner.Verify(response.Manifest, CertmeshJsonContext.Default.SyncManifest, caCert, StandbyHandover.SyncContext, out var problem)
            ?? throw Refused(problem!);
        if (manifest.CaFingerprint != pinnedFingerprint)
        {
            throw Refused("the manifest names another CA");
        }

        if (manifest.Epoch < node.Ha.Current!.Epoch)
        {
            throw Refused($"the manifest's epoch {manifest.Epoch} is below the one this standby knows ({node.Ha.Current.Epoch})");
        }

        if (ManifestSigner.Sha256(response.Roster) != manifest.RosterSha256 || ManifestSigner.Sha256(response.AuditLog) != manifest.AuditLogSha256
            || StandbyHandover.AuditHead(response.AuditLog) != manifest.AuditHead)
        {
            throw Refused("the roster or audit log is not the one the manifest signs");
        }

        if (response.Bundle is { } signed)
        {
            long? held = null;
            if (File.Exists(node.Files.TrustBundle))
            {
                var old = JsonSerializer.Deserialize(File.ReadAllText(node.Files.TrustBundle), CertmeshJsonContext.Default.SignedTrustBundle);
                held = old is null ? null : TrustBundleVerifier.Verify(old, pinnedFingerprint, null).Sequence;
            }

            try
            {
                var bundle = TrustBundleVerifier.Verify(signed, pinnedFingerprint, held);
                if (bundle.Sequence != manifest.BundleSequence)
                {
                    throw Refused("the bundle is not the one the manifest names");
                }
            }
            catch (TrustBundleRejectedException ex)
            {
                throw Refused($"trust bundle: {ex.Message}");
            }
        }

        return manifest;
    }

    private static KoiException Refused(string why) => new(KoiErrorCode.Forbidden, $"standby sync refused: {why}");
}

/// <summary>A POST with nothing to say.</summary>
internal sealed record EmptyBody;
