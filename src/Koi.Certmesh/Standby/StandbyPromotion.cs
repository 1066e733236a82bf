using System.Globalization;
using System.Security.Cryptography;
using Koi.Certmesh.Authority;
using Koi.Certmesh.Crypto;
using Koi.Certmesh.Membership;
using Koi.Core.Errors;

namespace Koi.Certmesh.Standby;

/// <summary>
/// <c>koi certmesh promote</c> on a member (docs/certmesh.md, "Standby CA"): asks the primary, over the mTLS plane
/// and with a TOTP code, for the CA sealed to an ephemeral key of this daemon's (<see cref="KeyTransfer"/>), checks
/// what arrives, and keeps it sealed under the unlock passphrase the operator sets here. Refusals change nothing.
/// </summary>
internal sealed class StandbyPromotion(
    StandbyNode node, Func<bool> caHere, MembershipStore membership, MeshClient mesh, MemberAuditTrail audit, TimeProvider time)
{
    public async Task<PromoteResult> PromoteAsync(string? totpCode, string? passphrase, CancellationToken cancellationToken)
    {
        if (membership.Current is not { } member)
        {
            throw new KoiException(KoiErrorCode.InvalidRequest, "this machine is not a member of a mesh; join first (koi certmesh join)");
        }

        if (caHere())
        {
            throw new KoiException(KoiErrorCode.Conflict, "this machine holds a CA already; a standby is another member of the mesh");
        }

        if (string.IsNullOrEmpty(passphrase))
        {
            throw new KoiException(KoiErrorCode.InvalidRequest, "a standby unlock passphrase is required");
        }

        if (PassphraseGenerator.CheckManual(passphrase) is { } rule)
        {
            throw new KoiException(KoiErrorCode.InvalidRequest, $"standby unlock passphrase: {rule}");
        }

        if (totpCode is not { Length: 6 } || !totpCode.All(char.IsAsciiDigit))
        {
            throw new KoiException(KoiErrorCode.InvalidRequest, "totp_code must be the 6 digits the CA's authenticator shows");
        }

        await node.Gate.WaitAsync(cancellationToken);
        try
        {
            if (node.IsStandby)
            {
                throw new KoiException(KoiErrorCode.Conflict, $"this machine is the standby already (primary {node.Link?.PrimaryHostname})");
            }

            using var transferKey = KeyTransfer.NewEphemeral();
            PromoteResponse response;
            try
            {
                response = await mesh.SendAsync(member, "/standby/promote", System.Net.Http.Json.JsonContent.Create(new PromoteRequest(totpCode, KeyTransfer.PublicKey(transferKey)), CertmeshJsonContext.Default.PromoteRequest), CertmeshJsonContext.Default.PromoteResponse, cancellationToken);
            }
            catch (KoiException ex)
            {
                audit.Write("promote_refused", ("ca", member.CaHostname), ("reason", ex.Code));
                throw;
            }

            byte[] plain;
            try
            {
                plain = KeyTransfer.Open(response.Sealed, transferKey, new TransferBinding(member.PinnedCaFingerprint, member.Hostname));
            }
            catch (CryptographicException)
            {
                audit.Write("promote_refused", ("ca", member.CaHostname), ("reason", "envelope_does_not_open"));
                throw new KoiException(KoiErrorCode.InvalidRequest, "the primary's envelope does not open for this machine; nothing was changed");
            }

            CaHandover handover;
            try
            {
                handover = CaHandover.Open(plain, member.PinnedCaFingerprint);
            }
            catch (KoiException ex)
            {
                audit.Write("promote_refused", ("ca", member.CaHostname), ("reason", ex.Code));
                throw;
            }
            finally
            {
                CryptographicOperations.ZeroMemory(plain);
            }

            using (handover)
            {
                var now = time.GetUtcNow();
                var state = new HaState(HaRole.Standby, response.Epoch, now, response.PrimaryHostname, member.Hostname, "promoted");
                await node.InstallAsync(handover, passphrase, PrimaryLink.From(member), state, cancellationToken);
            }

            audit.Write("standby_received", ("ca", response.PrimaryHostname), ("ca_fingerprint", response.CaFingerprint),
                ("epoch", response.Epoch.ToString(CultureInfo.InvariantCulture)));
            return new PromoteResult(member.Hostname, response.PrimaryHostname, response.CaFingerprint, response.Epoch);
        }
        finally
        {
            node.Gate.Release();
        }
    }
}

/// <summary>What <c>POST /v1/certmesh/promote</c> answers.</summary>
internal sealed record PromoteResult(string Standby, string Primary, string CaFingerprint, long Epoch);
