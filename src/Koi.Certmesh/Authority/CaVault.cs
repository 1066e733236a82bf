using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Koi.Certmesh.Api;
using Koi.Certmesh.Crypto;
using Koi.Certmesh.Roster;
using Koi.Core.Errors;
using Koi.Core.Storage;
using Microsoft.Extensions.Logging;

namespace Koi.Certmesh.Authority;

/// <summary>
/// The CA's secrets: the CA certificate, and — only while unlocked — the CA key and the TOTP secret. Unlock, lock,
/// auto-unlock at boot and TOTP rotation and checks live here; everything that signs asks <see cref="RequireUnlocked"/>.
/// </summary>
internal sealed partial class CaVault(CaContext ca, CertmeshAnnouncer announcer) : IDisposable
{
    private readonly FailureLimiter _unlockLimiter = new(ca.Options.MaxFailures, ca.Options.Lockout, ca.Time);
    private X509Certificate2? _caCert;
    private UnlockedSecrets? _unlocked;

    public bool Locked => _unlocked is null;

    /// <summary>The CA certificate; null before create (or after destroy).</summary>
    public X509Certificate2? CaCert => _caCert;

    /// <summary>Fresh TOTP secret (≥ 20 bytes), from the CSPRNG mixed with the operator's entropy.</summary>
    public static byte[] NewTotpSecret(string? entropy) => new EntropyMixer(entropy).Next(Totp.SecretBytes, "totp");

    public string TotpUri(byte[] secret) => Totp.Uri(secret, "koi certmesh", ca.Hostname);

    public string CaPem()
    {
        ca.RequireInitialized();
        return _caCert!.ExportCertificatePem() + "\n";
    }

    /// <summary>At daemon start: the certificate only. The CA always starts locked.</summary>
    public void LoadCertificate() => _caCert = X509Certificate2.CreateFromPem(File.ReadAllText(ca.Files.CaCert));

    /// <summary>Right after create: the new CA, already unlocked.</summary>
    public void Adopt(X509Certificate2 caCert, UnlockedSecrets secrets)
    {
        _caCert = caCert;
        _unlocked?.Dispose();
        _unlocked = secrets;
        _unlockLimiter.Succeed();
    }

    /// <summary>At destroy: nothing of this CA stays in memory.</summary>
    public void Forget()
    {
        _unlocked?.Dispose();
        _unlocked = null;
        _caCert = null;
    }

    /// <summary>For a CA that defers to a newer primary: the unlocked secrets leave the vault, which then holds no CA.</summary>
    public UnlockedSecrets? Surrender()
    {
        var secrets = _unlocked;
        _unlocked = null;
        _caCert = null;
        return secrets;
    }

    /// <summary>For anything that signs: refuses (and audits the refusal) while the CA is locked.</summary>
    public UnlockedSecrets RequireUnlocked(string action)
    {
        ca.RequireInitialized();
        if (_unlocked is null)
        {
            ca.Audit.Write("denied", ("action", action), ("reason", "ca_locked"));
            throw new KoiException(KoiErrorCode.CaLocked, "the CA is locked; run koi certmesh unlock");
        }

        return _unlocked;
    }

    /// <summary>The secrets when unlocked, without auditing anything (background work that simply waits).</summary>
    public UnlockedSecrets? SecretsIfUnlocked => _unlocked;

    /// <summary>Runs under the gate at load. A copied disk (other machine id, no TPM or host key) stays locked, loudly.</summary>
    public async Task TryAutoUnlockAsync(RosterDocument roster, CancellationToken cancellationToken)
    {
        var method = AutoUnlock.MethodOf(roster.Metadata);
        var (passphrase, failure, auditReason) = method == AutoUnlock.SystemdCredsMethod
            ? await OpenCredentialAsync(cancellationToken)
            : OpenMachineIdSeal();
        if (passphrase is null)
        {
            ca.Audit.Write("auto_unlock_refused", ("method", method), ("reason", auditReason));
            LogAutoUnlockRefused(ca.Logger, $"{failure}; unlock by hand");
            ca.Health.Running($"locked: auto-unlock ({method}) refused: {failure}; koi certmesh unlock");
            return;
        }

        try
        {
            _unlocked = await OpenSecretsAsync(passphrase, cancellationToken);
        }
        catch (CryptographicException)
        {
            ca.Audit.Write("auto_unlock_refused", ("method", method), ("reason", "stored_passphrase_wrong"));
            ca.Health.Running($"locked: auto-unlock ({method}) failed: the stored passphrase does not open the CA key; koi certmesh unlock");
            return;
        }

        ca.Audit.Write("ca_unlocked", ("by", "auto_unlock"), ("method", method));
        LogAutoUnlockWarning(ca.Logger, AutoUnlock.WarningFor(method));
        ca.Health.Running($"unlocked (auto-unlock: {method})");
        await announcer.AnnounceAsync(ca.Hostname, roster.Metadata.CaFingerprint, CreatePlan.ProfileFlag(roster.Metadata.TrustProfile), cancellationToken);
    }

    private (string? Passphrase, string? Failure, string AuditReason) OpenMachineIdSeal()
    {
        var machineId = ca.Options.ResolveMachineId();
        var passphrase = machineId is not null && File.Exists(ca.Files.AutoUnlock) ? AutoUnlock.Open(ca.Files.AutoUnlock, machineId) : null;
        return (passphrase, "the machine identity changed (copied disk?) or the sealed passphrase is missing", "machine_identity_changed");
    }

    private async Task<(string? Passphrase, string? Failure, string AuditReason)> OpenCredentialAsync(CancellationToken cancellationToken)
    {
        var (passphrase, failure) = await ca.Options.ResolveSystemdCreds().DecryptAsync(ca.Files.AutoUnlockCredential, cancellationToken);
        return (passphrase, failure, File.Exists(ca.Files.AutoUnlockCredential) ? "credential_undecryptable" : "credential_missing");
    }

    public Task<UnlockResult> UnlockAsync(string passphrase, CancellationToken cancellationToken) => ca.SerializedAsync(async () =>
    {
        var roster = ca.RequireInitialized();
        if (_unlocked is not null)
        {
            return new UnlockResult(false, roster.Metadata.CaFingerprint);
        }

        await AdoptAsync(roster, await VerifyPassphraseAsync(passphrase, cancellationToken), cancellationToken);
        return new UnlockResult(false, roster.Metadata.CaFingerprint);
    }, cancellationToken);

    /// <summary>
    /// Chooses how (or whether) the CA unlocks itself at daemon start. The passphrase is checked even when the CA is
    /// already unlocked — only someone who knows it may store it — and unlocks it when locked. A systemd-creds
    /// credential is decrypted again right after sealing, by this process, so what the next start will do is proven now.
    /// </summary>
    public Task<AutoUnlockResult> SetAutoUnlockAsync(string method, string passphrase, CancellationToken cancellationToken) => ca.SerializedAsync(async () =>
    {
        var roster = ca.RequireInitialized();
        if (!AutoUnlock.IsMethod(method))
        {
            throw new KoiException(KoiErrorCode.InvalidRequest, $"auto-unlock method must be {AutoUnlock.SystemdCredsMethod}, {AutoUnlock.MachineIdMethod} or {AutoUnlock.Off}");
        }

        var secrets = await VerifyPassphraseAsync(passphrase, cancellationToken);
        var unlockedNow = _unlocked is null;
        if (unlockedNow)
        {
            await AdoptAsync(roster, secrets, cancellationToken);
        }
        else
        {
            secrets.Dispose();
        }

        switch (method)
        {
            case AutoUnlock.SystemdCredsMethod:
                await SealWithSystemdCredsAsync(passphrase, cancellationToken);
                File.Delete(ca.Files.AutoUnlock);
                break;
            case AutoUnlock.MachineIdMethod:
                var machineId = ca.Options.ResolveMachineId()
                    ?? throw new KoiException(KoiErrorCode.InvalidRequest, "auto-unlock method machine-id needs a machine id (/etc/machine-id) and this machine has none");
                AutoUnlock.Store(ca.Files.AutoUnlock, passphrase, machineId);
                File.Delete(ca.Files.AutoUnlockCredential);
                break;
            default:
                File.Delete(ca.Files.AutoUnlock);
                File.Delete(ca.Files.AutoUnlockCredential);
                break;
        }

        var enabled = method != AutoUnlock.Off;
        ca.Roster.Update(r => r! with { Metadata = r.Metadata with { AutoUnlock = enabled, AutoUnlockMethod = enabled ? method : null } });
        if (enabled)
        {
            ca.Audit.Write("auto_unlock_enabled", ("method", method), ("warning", "passphrase stored on this machine"));
            LogAutoUnlockWarning(ca.Logger, AutoUnlock.WarningFor(method));
        }
        else
        {
            ca.Audit.Write("auto_unlock_disabled");
        }

        return new AutoUnlockResult(method, unlockedNow, roster.Metadata.CaFingerprint);
    }, cancellationToken);

    private async Task SealWithSystemdCredsAsync(string passphrase, CancellationToken cancellationToken)
    {
        var seal = ca.Options.ResolveSystemdCreds();
        var credential = await seal.EncryptAsync(passphrase, cancellationToken);
        AtomicFile.WriteAllText(ca.Files.AutoUnlockCredential, credential, AtomicFile.SecretMode);
        var (back, failure) = await seal.DecryptAsync(ca.Files.AutoUnlockCredential, cancellationToken);
        if (!string.Equals(back, passphrase, StringComparison.Ordinal))
        {
            File.Delete(ca.Files.AutoUnlockCredential);
            throw new KoiException(KoiErrorCode.Unavailable, $"the sealed credential did not decrypt back to the passphrase ({failure ?? "different content"}); the auto-unlock method is unchanged");
        }
    }

    /// <summary>Opens the secrets with an operator's passphrase: rate limited, every failure audited.</summary>
    private async Task<UnlockedSecrets> VerifyPassphraseAsync(string passphrase, CancellationToken cancellationToken)
    {
        if (_unlockLimiter.RetryAfterSeconds() is { } wait)
        {
            ca.Audit.Write("unlock_refused", ("reason", "rate_limited"), ("retry_after_secs", wait.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            _unlockLimiter.ThrowIfLocked("unlock");
        }

        try
        {
            var secrets = await OpenSecretsAsync(passphrase, cancellationToken);
            _unlockLimiter.Succeed();
            return secrets;
        }
        catch (CryptographicException)
        {
            var lockedOut = _unlockLimiter.Fail();
            ca.Audit.Write("unlock_failed", ("reason", "wrong_passphrase"), ("lockout", lockedOut ? "started" : null));
            LogUnlockFailed(ca.Logger, lockedOut);
            throw new KoiException(KoiErrorCode.Unauthorized, "wrong passphrase; the CA stays locked");
        }
    }

    private async Task AdoptAsync(RosterDocument roster, UnlockedSecrets secrets, CancellationToken cancellationToken)
    {
        _unlocked = secrets;
        ca.Audit.Write("ca_unlocked");
        ca.Health.Running("unlocked");
        ca.Publish("ca_unlocked", new CaEvent(roster.Metadata.CaFingerprint));
        await announcer.AnnounceAsync(ca.Hostname, roster.Metadata.CaFingerprint, CreatePlan.ProfileFlag(roster.Metadata.TrustProfile), cancellationToken);
    }

    public Task<UnlockResult> LockAsync(CancellationToken cancellationToken) => ca.SerializedAsync(async () =>
    {
        var roster = ca.RequireInitialized();
        if (_unlocked is not null)
        {
            _unlocked.Dispose();
            _unlocked = null;
            ca.Audit.Write("ca_locked");
            ca.Publish("ca_locked", new CaEvent(roster.Metadata.CaFingerprint));
        }

        ca.Health.Running("locked: koi certmesh unlock");
        await announcer.WithdrawAsync("CA locked");
        return new UnlockResult(true, roster.Metadata.CaFingerprint);
    }, cancellationToken);

    /// <summary>New TOTP secret; codes from the old one fail from this moment on.</summary>
    public Task<TotpResult> RotateTotpAsync(string? entropy, CancellationToken cancellationToken) => ca.Serialized(() =>
    {
        var secrets = RequireUnlocked("rotate_totp");
        var secret = NewTotpSecret(entropy);
        AtomicFile.WriteAllText(ca.Files.TotpSecret, KeyVault.Serialize(KeyVault.Seal(secret, secrets.SealingKey, secrets.Salt)), AtomicFile.SecretMode);
        secrets.ReplaceTotp(secret);
        var now = ca.Now;
        ca.Roster.Update(r => r! with
        {
            Metadata = r.Metadata with { TotpSecretHash = Convert.ToHexStringLower(SHA256.HashData(secret)), TotpRotatedAt = now },
        });
        ca.Audit.Write("totp_rotated");
        ca.Publish("totp_rotated", null);
        var uri = TotpUri(secret);
        return new TotpResult(uri, TotpQr.PngDataUri(uri), now);
    }, cancellationToken);

    /// <summary>Checks a TOTP code: constant time, rate limited, every failure audited.</summary>
    public bool VerifyTotp(string code, FailureLimiter limiter, string who)
    {
        var secrets = RequireUnlocked("verify_totp");
        if (limiter.RetryAfterSeconds() is not null)
        {
            ca.Audit.Write("denied", ("action", "totp"), ("reason", "rate_limited"), ("from", who));
            limiter.ThrowIfLocked("TOTP");
        }

        if (Totp.Verify(secrets.TotpSecret, code, ca.Now))
        {
            limiter.Succeed();
            return true;
        }

        limiter.Fail();
        ca.Audit.Write("totp_failed", ("from", who));
        return false;
    }

    /// <summary>Both KDFs run at once: unlock costs one PBKDF2 of wall time, not two.</summary>
    private Task<UnlockedSecrets> OpenSecretsAsync(string passphrase, CancellationToken cancellationToken) =>
        OpenSecretsAsync(ca.Files, passphrase, cancellationToken);

    /// <summary>Opens the key and TOTP secret kept under <paramref name="files"/> (the CA's, or a standby's copy).</summary>
    internal static async Task<UnlockedSecrets> OpenSecretsAsync(CertmeshFiles files, string passphrase, CancellationToken cancellationToken)
    {
        var pem = await File.ReadAllTextAsync(files.CaKey, cancellationToken);
        var sealedTotp = KeyVault.Deserialize(await File.ReadAllTextAsync(files.TotpSecret, cancellationToken));
        var salt = Convert.FromBase64String(sealedTotp.Salt);
        var keyTask = Task.Run(() => KeyVault.DecryptKey(pem, passphrase), cancellationToken);
        var sealingKey = await Task.Run(() => KeyVault.DeriveSecretKey(passphrase, salt, sealedTotp.Iterations), cancellationToken);
        ECDsa key;
        try
        {
            key = await keyTask;
        }
        catch
        {
            CryptographicOperations.ZeroMemory(sealingKey);
            throw;
        }

        try
        {
            return new UnlockedSecrets(key, sealingKey, salt, KeyVault.Open(sealedTotp, sealingKey));
        }
        catch
        {
            key.Dispose();
            CryptographicOperations.ZeroMemory(sealingKey);
            throw;
        }
    }

    public void Dispose()
    {
        _unlocked?.Dispose();
        _unlocked = null;
    }
}
