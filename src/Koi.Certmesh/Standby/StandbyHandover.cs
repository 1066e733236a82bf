using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Koi.Certmesh.Authority;
using Koi.Certmesh.Backup;
using Koi.Certmesh.MeshPlane;
using Koi.Certmesh.Revocation;
using Koi.Certmesh.Roster;
using Koi.Core.Errors;
using Koi.Core.Storage;

namespace Koi.Certmesh.Standby;

/// <summary>
/// The primary's side of a standby (docs/certmesh.md, "Standby CA"): it hands the CA to a member that proved itself
/// at the mTLS handshake and with a TOTP code, answers the standby's syncs with a signed manifest, and states its
/// role and epoch, signed, to anyone in the mesh who asks. Only a CA that is primary does any of it.
/// </summary>
internal sealed class StandbyHandover(CaContext ca, CaVault vault, BundleKeeper bundles, HaStateStore ha, Audit.AuditHeadSigner heads)
{
    public const string SyncContext = "koi-certmesh-standby-sync-v1";
    public const string ClaimContext = "koi-certmesh-role-claim-v1";

    private readonly FailureLimiter _limiter = new(ca.Options.MaxFailures, ca.Options.Lockout, ca.Time);

    /// <summary>This CA's role and epoch; a CA without <c>ha.json</c> is primary under epoch 0 since it was created.</summary>
    public HaState State => ha.Current ?? HaState.Initial(ca.Roster.Current?.Metadata.Created ?? ca.Now);

    public HaStateStore Store => ha;

    /// <summary>
    /// Seals the CA (key, certificate, TOTP secret, audit log and key, roster) for <paramref name="peer"/> after a
    /// right TOTP code, and records it as the standby. A wrong code, a bad transfer key or a locked CA changes nothing
    /// and is audited.
    /// </summary>
    public Task<PromoteResponse> PromoteAsync(MeshPeer peer, PromoteRequest body, CancellationToken cancellationToken) => ca.SerializedAsync(() =>
    {
        var roster = ca.RequireInitialized();
        if (body.TotpCode is not { Length: 6 } code || !code.All(char.IsAsciiDigit))
        {
            ca.Audit.Write("denied", ("action", "promote"), ("reason", "invalid_code"), ("from", peer.Hostname));
            throw new KoiException(KoiErrorCode.InvalidRequest, "totp_code must be the 6 digits the authenticator shows");
        }

        if (KeyTransfer.PublicKeyProblem(body.TransferKey) is { } keyProblem)
        {
            ca.Audit.Write("denied", ("action", "promote"), ("reason", "bad_transfer_key"), ("from", peer.Hostname));
            throw new KoiException(KoiErrorCode.InvalidRequest, keyProblem);
        }

        if (!vault.VerifyTotp(code, _limiter, peer.Hostname))
        {
            ca.Audit.Write("denied", ("action", "promote"), ("reason", "wrong_totp"), ("from", peer.Hostname));
            throw new KoiException(KoiErrorCode.Unauthorized, "wrong TOTP code; nothing was handed over");
        }

        var secrets = vault.RequireUnlocked("promote");
        var state = State;
        if (state.Role != HaRole.Primary)
        {
            ca.Audit.Write("denied", ("action", "promote"), ("reason", "not_primary"), ("from", peer.Hostname));
            throw new KoiException(KoiErrorCode.Conflict, $"this CA is the standby; promote against the primary {state.Primary}");
        }

        var now = ca.Now;
        var previous = roster.Members.FirstOrDefault(m => m.Role == MemberRole.Standby && !MemberStanding.SameHost(m.Hostname, peer.Hostname));
        var updated = ca.Roster.Update(r => r! with
        {
            Members = [.. r.Members.Select(m =>
                MemberStanding.SameHost(m.Hostname, peer.Hostname) ? m with { Role = MemberRole.Standby }
                : m.Role == MemberRole.Standby ? m with { Role = MemberRole.Member }
                : m)],
        });
        ha.Save(state with { Standby = peer.Hostname });

        // Audited before the log is copied, so the standby's copy carries its own promotion.
        ca.Audit.Write("standby_promoted", ("hostname", peer.Hostname), ("replaces", previous?.Hostname),
            ("epoch", state.Epoch.ToString(CultureInfo.InvariantCulture)));
        heads.Sign();
        updated = ca.Roster.Current ?? updated;
        var fingerprint = updated.Metadata.CaFingerprint;
        var contents = BackupContents.Capture(ca, secrets, updated, now);
        var plain = JsonSerializer.SerializeToUtf8Bytes(contents, CertmeshJsonContext.Default.BackupContents);
        try
        {
            var sealedTransfer = KeyTransfer.Seal(plain, body.TransferKey!, new TransferBinding(fingerprint, peer.Hostname));
            ca.Publish("standby_promoted", new StandbyPromotedEvent(peer.Hostname, state.Epoch));
            return Task.FromResult(new PromoteResponse(ca.Hostname, fingerprint, state.Epoch, sealedTransfer));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plain);
        }
    }, cancellationToken);

    /// <summary>The roster, audit log and bundle for the standby (and only the standby), under a signed manifest.</summary>
    public Task<StandbySyncResponse> SyncAsync(MeshPeer peer, CancellationToken cancellationToken) => ca.Serialized(() =>
    {
        var roster = ca.RequireInitialized();
        var state = State;
        if (!roster.Members.Any(m => m.Role == MemberRole.Standby && MemberStanding.SameHost(m.Hostname, peer.Hostname)))
        {
            ca.Audit.Write("denied", ("action", "standby_sync"), ("reason", "not_the_standby"), ("from", peer.Hostname));
            throw new KoiException(KoiErrorCode.Forbidden, "only the standby CA syncs; run koi certmesh promote first");
        }

        var secrets = vault.RequireUnlocked("standby_sync");
        // The roster as it stands (roster.json plus its journal: joins and renewals are journal lines), not the file.
        var rosterText = KoiJson.ToIndentedString(roster, CertmeshJsonContext.Default.RosterDocument);
        var auditLog = File.ReadAllText(ca.Files.AuditLog);
        var held = bundles.Held;
        var manifest = new SyncManifest(
            ca.Hostname,
            roster.Metadata.CaFingerprint,
            state.Epoch,
            ca.Now,
            ManifestSigner.Sha256(rosterText),
            ManifestSigner.Sha256(auditLog),
            AuditHead(auditLog),
            held?.Bundle.Sequence);
        return new StandbySyncResponse(ManifestSigner.Sign(manifest, CertmeshJsonContext.Default.SyncManifest, secrets.CaKey, SyncContext), rosterText, auditLog, held?.Signed);
    }, cancellationToken);

    /// <summary>
    /// This CA's signed statement of role and epoch; null while it cannot sign (locked). A CA held at restart still
    /// states its role: the other CA needs the claim to settle which of the two signs.
    /// </summary>
    public SignedManifest? Claim()
    {
        if (ca.Roster.Current is not { } roster || vault.SecretsForClaim is not { } secrets)
        {
            return null;
        }

        var state = State;
        var claim = new RoleClaim(ca.Hostname, roster.Metadata.CaFingerprint, state.Role.ToString().ToLowerInvariant(), state.Epoch, state.Since, ca.Now);
        return ManifestSigner.Sign(claim, CertmeshJsonContext.Default.RoleClaim, secrets.CaKey, ClaimContext);
    }

    /// <summary>
    /// Another CA of this mesh claimed primary and ranks below this one, so it defers: it becomes this CA's standby
    /// (the roster's one standby, the one allowed to sync), as after a promote. Audited with why.
    /// </summary>
    public Task<bool> AdoptStandbyAsync(string hostname, string reason, CancellationToken cancellationToken) => ca.Serialized(() =>
    {
        var roster = ca.RequireInitialized();
        if (roster.Members.Any(m => m.Role == MemberRole.Standby && MemberStanding.SameHost(m.Hostname, hostname))
            || !roster.Members.Any(m => m.Status == MemberStatus.Active && MemberStanding.SameHost(m.Hostname, hostname)))
        {
            return false;
        }

        var previous = roster.Members.FirstOrDefault(m => m.Role == MemberRole.Standby);
        ca.Roster.Update(r => r! with
        {
            Members = [.. r.Members.Select(m =>
                MemberStanding.SameHost(m.Hostname, hostname) ? m with { Role = MemberRole.Standby }
                : m.Role == MemberRole.Standby ? m with { Role = MemberRole.Member }
                : m)],
        });
        ha.Save(State with { Standby = hostname });
        ca.Audit.Write("standby_adopted", ("hostname", hostname), ("replaces", previous?.Hostname), ("reason", reason));
        heads.Sign();
        return true;
    }, cancellationToken);

    /// <summary>The last line of the audit log (its hash chain's head), or empty for an empty log.</summary>
    public static string AuditHead(string auditLog)
    {
        var trimmed = auditLog.TrimEnd('\n');
        var last = trimmed.LastIndexOf('\n');
        return last < 0 ? trimmed : trimmed[(last + 1)..];
    }
}

/// <summary>The <c>standby_promoted</c> event.</summary>
internal sealed record StandbyPromotedEvent(string Hostname, long Epoch);
