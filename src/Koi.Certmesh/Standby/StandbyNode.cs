using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Koi.Certmesh.Authority;
using Koi.Certmesh.Crypto;
using Koi.Core.Errors;
using Koi.Core.Storage;

namespace Koi.Certmesh.Standby;

/// <summary>
/// The standby CA on this machine (docs/certmesh.md, "Standby CA"): the CA key and TOTP secret sealed under the
/// standby's own unlock passphrase in <c>certmesh/standby/</c>, in the same formats as the CA's own files, the roster,
/// audit log and bundle as last synced, and — only while unlocked — the key in memory, ready for a takeover. It signs
/// nothing. Changes are serialised by its own gate.
/// </summary>
internal sealed class StandbyNode(CertmeshFiles files, HaStateStore ha, Membership.MemberAuditTrail? audit = null, TimeProvider? time = null) : IDisposable
{
    private readonly FailureLimiter _unlockLimiter = new(3, TimeSpan.FromMinutes(5), time ?? TimeProvider.System);
    private X509Certificate2? _caCert;
    private UnlockedSecrets? _secrets;
    private PrimaryLink? _link;

    public SemaphoreSlim Gate { get; } = new(1, 1);

    /// <summary><c>certmesh/standby/</c>, laid out like <c>certmesh/</c> itself.</summary>
    public CertmeshFiles Files => files;

    public HaStateStore Ha => ha;

    public string LinkPath => Path.Combine(files.Dir, "primary.json");

    public bool IsStandby => ha.Current is { Role: HaRole.Standby } && File.Exists(files.CaKey);

    public bool Locked => _secrets is null;

    public UnlockedSecrets? Secrets => _secrets;

    public X509Certificate2? CaCert => _caCert ??= File.Exists(files.CaCert) ? X509Certificate2.CreateFromPem(File.ReadAllText(files.CaCert)) : null;

    public PrimaryLink? Link => _link ??= File.Exists(LinkPath) ? JsonSerializer.Deserialize(File.ReadAllText(LinkPath), CertmeshJsonContext.Default.PrimaryLink) : null;

    /// <summary>The last synced (or handed-over) roster's text; null before promote.</summary>
    public string? RosterText => File.Exists(files.Roster) ? File.ReadAllText(files.Roster) : null;

    public void SaveLink(PrimaryLink link)
    {
        AtomicFile.WriteAllText(LinkPath, KoiJson.ToIndentedString(link, CertmeshJsonContext.Default.PrimaryLink));
        _link = link;
    }

    /// <summary>
    /// Writes what the primary handed over, the key and TOTP secret sealed under <paramref name="passphrase"/>, and
    /// keeps them unlocked in memory. Called under <see cref="Gate"/>.
    /// </summary>
    public async Task InstallAsync(
        CaHandover handover, string passphrase, PrimaryLink link, HaState state, CancellationToken cancellationToken)
    {
        CaLifecycle.CreatePrivateDirectory(files.Dir);
        CaLifecycle.CreatePrivateDirectory(files.CaDir);
        var salt = KeyVault.NewSalt();
        var encryptedKey = Task.Run(() => KeyVault.EncryptKey(handover.CaKey, passphrase), cancellationToken);
        var sealingKey = await Task.Run(() => KeyVault.DeriveSecretKey(passphrase, salt), cancellationToken);
        AtomicFile.WriteAllText(files.CaKey, await encryptedKey, AtomicFile.SecretMode);
        AtomicFile.WriteAllText(files.TotpSecret, KeyVault.Serialize(KeyVault.Seal(handover.TotpSecret, sealingKey, salt)), AtomicFile.SecretMode);
        AtomicFile.WriteAllText(files.CaCert, handover.Contents.CaCertPem);
        AtomicFile.WriteAllText(files.AuditKey, handover.Contents.AuditKeyPem, AtomicFile.SecretMode);
        AtomicFile.WriteAllText(files.AuditLog, handover.Contents.AuditLog, AtomicFile.SecretMode);
        AtomicFile.WriteAllText(files.Roster, handover.Contents.Roster);
        SaveLink(link);
        _caCert?.Dispose();
        _caCert = X509CertificateLoader.LoadCertificate(handover.CaCert.RawData);
        _secrets?.Dispose();
        _secrets = new UnlockedSecrets(handover.TakeKey(), sealingKey, salt, [.. handover.TotpSecret]);
        ha.Save(state);
    }

    /// <summary>Opens the sealed key with the standby's passphrase (after a daemon restart).</summary>
    public async Task UnlockAsync(string passphrase, CancellationToken cancellationToken)
    {
        if (!IsStandby)
        {
            throw new KoiException(KoiErrorCode.InvalidRequest, "this machine is not a standby CA");
        }

        if (_secrets is not null)
        {
            return;
        }

        if (_unlockLimiter.RetryAfterSeconds() is not null)
        {
            audit?.Write("standby_unlock_refused", ("reason", "rate_limited"));
            _unlockLimiter.ThrowIfLocked("unlock");
        }

        try
        {
            _secrets = await CaVault.OpenSecretsAsync(files, passphrase, cancellationToken);
        }
        catch (CryptographicException)
        {
            var lockedOut = _unlockLimiter.Fail();
            audit?.Write("standby_unlock_failed", ("reason", "wrong_passphrase"), ("lockout", lockedOut ? "started" : null));
            throw new KoiException(KoiErrorCode.Unauthorized, "wrong passphrase; the standby stays locked");
        }

        _unlockLimiter.Succeed();
        audit?.Write("standby_unlocked");
    }

    /// <summary>Stores what a verified sync brought. Called under <see cref="Gate"/>.</summary>
    public void ApplySync(string roster, string auditLog, string? bundle)
    {
        AtomicFile.WriteAllText(files.Roster, roster);
        AtomicFile.WriteAllText(files.AuditLog, auditLog, AtomicFile.SecretMode);
        if (bundle is not null)
        {
            AtomicFile.WriteAllText(files.TrustBundle, bundle);
        }
    }

    /// <summary>
    /// The primary this standby followed does not answer and another CA of the mesh proved itself primary: the standby
    /// follows that one from now on (its link, epoch and primary), audited on this machine's trail.
    /// </summary>
    public async Task<HaState> FollowAsync(PrimaryLink link, RoleClaim claim, string reason, CancellationToken cancellationToken)
    {
        await Gate.WaitAsync(cancellationToken);
        try
        {
            SaveLink(link);
            audit?.Write("standby_follows", ("primary", claim.Hostname), ("epoch", claim.Epoch.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("reason", reason));
            return ha.Save(ha.Current! with { Primary = claim.Hostname, Epoch = Math.Max(claim.Epoch, ha.Current.Epoch), Reason = reason });
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>Hands the unlocked secrets to a takeover; the standby holds nothing afterwards.</summary>
    public UnlockedSecrets? Release()
    {
        var secrets = _secrets;
        _secrets = null;
        return secrets;
    }

    /// <summary>Keeps secrets handed back by a CA that defers.</summary>
    public void Adopt(UnlockedSecrets secrets)
    {
        _secrets?.Dispose();
        _secrets = secrets;
        _caCert?.Dispose();
        _caCert = null;
        _link = null;
    }

    public void Dispose()
    {
        _secrets?.Dispose();
        _secrets = null;
        _caCert?.Dispose();
        Gate.Dispose();
    }
}
