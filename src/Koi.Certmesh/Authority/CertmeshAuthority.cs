using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Koi.Certmesh.Api;
using Koi.Certmesh.Audit;
using Koi.Certmesh.Crypto;
using Koi.Certmesh.Roster;
using Koi.Core.Errors;
using Koi.Core.Events;
using Koi.Core.Status;
using Microsoft.Extensions.Logging;

namespace Koi.Certmesh.Authority;

/// <summary>
/// The certmesh CA on this machine: its state (none, locked, unlocked), the roster, the audit log and every
/// operation on them. Mutations are serialised by one gate; reads see the last saved roster.
/// </summary>
internal sealed partial class CertmeshAuthority : IAsyncDisposable
{
    public const string Capability = "certmesh";

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly CertmeshFiles _files;
    private readonly CertmeshOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IEventBus? _events;
    private readonly CertmeshAnnouncer _announcer;
    private readonly FailureLimiter _unlockLimiter;
    private readonly ComponentHealth _health;
    private readonly ComponentHealth _windowHealth;
    private AuditLog? _audit;
    private X509Certificate2? _caCert;
    private UnlockedSecrets? _unlocked;
    private ITimer? _windowTimer;
    private int _disposed;

    public CertmeshAuthority(
        CertmeshFiles files,
        CertmeshOptions options,
        CertmeshAnnouncer announcer,
        StatusRegistry status,
        TimeProvider time,
        ILogger logger,
        IEventBus? events = null)
    {
        _files = files;
        _options = options;
        _announcer = announcer;
        _time = time;
        _logger = logger;
        _events = events;
        _unlockLimiter = new FailureLimiter(options.MaxFailures, options.Lockout, time);
        _health = status.Register(Capability, "authority");
        _windowHealth = status.Register(Capability, "enrollment_window");
        Roster = new RosterStore(files.Roster);
    }

    public RosterStore Roster { get; }

    public bool Initialized => Roster.Current is not null;

    public bool Locked => _unlocked is null;

    public string Hostname => _options.ResolveHostname();

    public DateTimeOffset Now => _time.GetUtcNow();

    /// <summary>Loads the roster at daemon start. The CA always starts locked.</summary>
    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            Koi.Core.Storage.AtomicFile.CleanupStaleTempFiles(_files.Dir);
            var roster = Roster.Load();
            if (roster is null)
            {
                _health.Running("no CA yet: koi certmesh create");
                _windowHealth.Running("no CA");
                // Nothing to announce is a settled state, not a start that never finishes.
                await _announcer.WithdrawAsync("no CA");
                return;
            }

            _caCert = X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(_files.CaCert, cancellationToken));
            _audit = AuditLog.Open(_files.AuditLog, _files.AuditKey, _time);
            ReconcileWindow(roster);
            _health.Running("locked: koi certmesh unlock");
            await _announcer.WithdrawAsync("CA locked");
            LogLoaded(_logger, roster.Members.Count, roster.Metadata.CaFingerprint);
            if (roster.Metadata.AutoUnlock)
            {
                await TryAutoUnlockAsync(roster, cancellationToken);
            }
        }
        // A state file koi may not read (or a directory where a file belongs) or a malformed key (FormatException
        // from base64, ArgumentException from a PEM without a key) is as unreadable as a corrupt one: certmesh shows
        // failed with the reason, the daemon and the other capabilities keep running.
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException or System.Text.Json.JsonException
            or CryptographicException or FormatException or ArgumentException)
        {
            _health.Failed($"certmesh state cannot be read: {ex.Message}");
            LogLoadFailed(_logger, ex);

            // The siblings settle too, rather than saying "starting" for ever; a window already scheduled stays so.
            if (_windowHealth.Snapshot.State == ComponentState.Starting)
            {
                _windowHealth.Failed("certmesh state cannot be read (see certmesh/authority)");
            }

            await _announcer.WithdrawAsync("certmesh state cannot be read");
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Runs under the gate at load. A copied disk (other machine id) stays locked, loudly.</summary>
    private async Task TryAutoUnlockAsync(RosterDocument roster, CancellationToken cancellationToken)
    {
        var machineId = _options.ResolveMachineId();
        var passphrase = machineId is not null && File.Exists(_files.AutoUnlock) ? AutoUnlock.Open(_files.AutoUnlock, machineId) : null;
        if (passphrase is null)
        {
            Audit("auto_unlock_refused", ("reason", "machine_identity_changed"));
            LogAutoUnlockRefused(_logger, "the machine identity changed (copied disk?) or the sealed passphrase is missing; unlock by hand");
            _health.Running("locked: auto-unlock refused (machine identity changed); koi certmesh unlock");
            return;
        }

        try
        {
            _unlocked = await OpenSecretsAsync(passphrase, cancellationToken);
        }
        catch (CryptographicException)
        {
            Audit("auto_unlock_refused", ("reason", "stored_passphrase_wrong"));
            _health.Running("locked: auto-unlock failed; koi certmesh unlock");
            return;
        }

        Audit("ca_unlocked", ("by", "auto_unlock"));
        LogAutoUnlockWarning(_logger, AutoUnlock.Warning);
        _health.Running("unlocked (auto-unlock)");
        await _announcer.AnnounceAsync(Hostname, roster.Metadata.CaFingerprint, CreatePlan.ProfileFlag(roster.Metadata.TrustProfile), cancellationToken);
    }

    public async Task<UnlockResult> UnlockAsync(string passphrase, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var roster = RequireInitialized();
            if (_unlocked is not null)
            {
                return new UnlockResult(false, roster.Metadata.CaFingerprint);
            }

            if (_unlockLimiter.RetryAfterSeconds() is { } wait)
            {
                Audit("unlock_refused", ("reason", "rate_limited"), ("retry_after_secs", wait.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                _unlockLimiter.ThrowIfLocked("unlock");
            }

            UnlockedSecrets secrets;
            try
            {
                secrets = await OpenSecretsAsync(passphrase, cancellationToken);
            }
            catch (CryptographicException)
            {
                var lockedOut = _unlockLimiter.Fail();
                Audit("unlock_failed", ("reason", "wrong_passphrase"), ("lockout", lockedOut ? "started" : null));
                LogUnlockFailed(_logger, lockedOut);
                throw new KoiException(KoiErrorCode.Unauthorized, "wrong passphrase; the CA stays locked");
            }

            _unlockLimiter.Succeed();
            _unlocked = secrets;
            Audit("ca_unlocked");
            _health.Running("unlocked");
            _events?.Publish(Capability, "ca_unlocked", new CaEvent(roster.Metadata.CaFingerprint));
            await _announcer.AnnounceAsync(Hostname, roster.Metadata.CaFingerprint, CreatePlan.ProfileFlag(roster.Metadata.TrustProfile), cancellationToken);
            return new UnlockResult(false, roster.Metadata.CaFingerprint);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<UnlockResult> LockAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var roster = RequireInitialized();
            if (_unlocked is not null)
            {
                _unlocked.Dispose();
                _unlocked = null;
                Audit("ca_locked");
                _events?.Publish(Capability, "ca_locked", new CaEvent(roster.Metadata.CaFingerprint));
            }

            _health.Running("locked: koi certmesh unlock");
            await _announcer.WithdrawAsync("CA locked");
            return new UnlockResult(true, roster.Metadata.CaFingerprint);
        }
        finally
        {
            _gate.Release();
        }
    }

    public string CaPem()
    {
        RequireInitialized();
        return _caCert!.ExportCertificatePem() + "\n";
    }

    public async ValueTask DisposeAsync()
    {
        // The host stops it, then the container disposes it: the second call finds nothing left to do.
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        _windowTimer?.Dispose();
        await _announcer.DisposeAsync();
        _unlocked?.Dispose();
        _unlocked = null;
        _audit?.Dispose();
        _health.Stopped("daemon stopped");
        _windowHealth.Stopped("daemon stopped");
    }

    /// <summary>Both KDFs run at once: unlock costs one PBKDF2 of wall time, not two.</summary>
    private async Task<UnlockedSecrets> OpenSecretsAsync(string passphrase, CancellationToken cancellationToken)
    {
        var pem = await File.ReadAllTextAsync(_files.CaKey, cancellationToken);
        var sealedTotp = KeyVault.Deserialize(await File.ReadAllTextAsync(_files.TotpSecret, cancellationToken));
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

    private RosterDocument RequireInitialized() =>
        Roster.Current ?? throw new KoiException(KoiErrorCode.CaNotInitialized, "no certmesh CA on this machine yet; run koi certmesh create");

    /// <summary>For anything that signs: refuses (and audits the refusal) while the CA is locked.</summary>
    private UnlockedSecrets RequireUnlocked(string action)
    {
        RequireInitialized();
        if (_unlocked is null)
        {
            Audit("denied", ("action", action), ("reason", "ca_locked"));
            throw new KoiException(KoiErrorCode.CaLocked, "the CA is locked; run koi certmesh unlock");
        }

        return _unlocked;
    }

    private void Audit(string eventName, params (string Key, string? Value)[] fields)
    {
        try
        {
            _audit?.Append(eventName, fields);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // An audit write that fails must be loud, never silent; the operation's own result stands.
            LogAuditFailed(_logger, eventName, ex);
            _health.Failed($"audit log not writable: {ex.Message}");
        }
    }
}
