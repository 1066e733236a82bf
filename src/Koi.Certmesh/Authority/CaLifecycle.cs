using System.Security.Cryptography;
using Koi.Certmesh.Api;
using Koi.Certmesh.Crypto;
using Koi.Certmesh.Enrollment;
using Koi.Certmesh.Issuing;
using Koi.Certmesh.Revocation;
using Koi.Certmesh.Roster;
using Koi.Certmesh.Trust;
using Koi.Core.Errors;
using Koi.Core.Status;
using Koi.Core.Storage;
using Microsoft.Extensions.Logging;

namespace Koi.Certmesh.Authority;

/// <summary>The CA's birth, every daemon start, and its end: create, load, destroy.</summary>
internal sealed partial class CaLifecycle(
    CaContext ca,
    CaVault vault,
    EnrollmentWindow window,
    JoinLedger ledger,
    MeshIssuer issuer,
    CaTrust trust,
    CertmeshAnnouncer announcer,
    Func<Membership.MembershipDocument?> memberOf,
    BundleKeeper bundles,
    Audit.AuditHeadSigner heads)
{
    private const UnixFileMode PrivateDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>Loads the roster at daemon start. The CA always starts locked (unless auto-unlock is set up).</summary>
    public Task LoadAsync(CancellationToken cancellationToken) => ca.SerializedAsync(async () =>
    {
        try
        {
            AtomicFile.CleanupStaleTempFiles(ca.Files.Dir);
            var roster = ca.Roster.Load();
            if (roster is null)
            {
                ca.Health.Running("no CA yet: koi certmesh create");
                window.Health.Running("no CA");
                // Nothing to announce is a settled state, not a start that never finishes.
                await announcer.WithdrawAsync("no CA");
                return true;
            }

            vault.LoadCertificate();
            ca.Audit.Open();
            bundles.Load(roster);
            window.Reconcile(roster);
            ca.Health.Running("locked: koi certmesh unlock");
            await announcer.WithdrawAsync("CA locked");
            LogLoaded(ca.Logger, roster.Members.Count, roster.Metadata.CaFingerprint);
            if (roster.Metadata.AutoUnlock)
            {
                await vault.TryAutoUnlockAsync(roster, cancellationToken);
                heads.Sign();
                bundles.PublishIfDue();
            }
        }
        // A state file koi may not read (or a directory where a file belongs) or a malformed key (FormatException
        // from base64, ArgumentException from a PEM without a key) is as unreadable as a corrupt one: certmesh shows
        // failed with the reason, the daemon and the other capabilities keep running.
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException or System.Text.Json.JsonException
            or CryptographicException or FormatException or ArgumentException)
        {
            ca.Health.Failed($"certmesh state cannot be read: {ex.Message}");
            LogLoadFailed(ca.Logger, ex);

            // The siblings settle too, rather than saying "starting" for ever; a window already scheduled stays so.
            if (window.Health.Snapshot.State == ComponentState.Starting)
            {
                window.Health.Failed("certmesh state cannot be read (see certmesh/authority)");
            }

            await announcer.WithdrawAsync("certmesh state cannot be read");
        }

        return true;
    }, cancellationToken);

    /// <summary>
    /// Creates the CA: key from mixed entropy, 10-year certificate, encrypted key and TOTP secret, audit log, the
    /// primary's own service certificate, the roster, trust stores, announcement. The roster is written last of the
    /// essential state, so a crash before it leaves "no CA" (and the leftovers are cleared on the next create).
    /// </summary>
    public Task<CreateResult> CreateAsync(CreatePlan plan, string passphrase, string? entropy, byte[] totpSecret, CancellationToken cancellationToken)
    {
        if (totpSecret.Length < Totp.SecretBytes)
        {
            throw new KoiException(KoiErrorCode.InvalidRequest, "the TOTP secret must be at least 20 bytes");
        }

        return ca.SerializedAsync(async () =>
        {
            if (ca.Roster.Current is { } existing)
            {
                throw new KoiException(KoiErrorCode.Conflict, $"a certmesh CA already exists here (fingerprint {existing.Metadata.CaFingerprint}); koi certmesh destroy first");
            }

            if (memberOf() is { } member)
            {
                // Creating a CA here would replace this member's mesh certificate with one no other member trusts.
                throw new KoiException(KoiErrorCode.Conflict,
                    $"this machine is a member of the mesh of {member.CaHostname} (pinned CA {member.PinnedCaFingerprint}); a member cannot create a CA of its own. "
                    + "Create the CA on another machine, or leave the mesh first (stop the daemon and remove certmesh/membership.json)");
            }

            ClearLeftovers();
            var now = ca.Now;
            var hostname = ca.Hostname;
            var mixer = new EntropyMixer(entropy);
            var caKey = CertificateAuthorityFactory.CreateKey(mixer);
            var caCert = CertificateAuthorityFactory.CreateCertificate(caKey, $"{hostname} koi certmesh CA", now, NameScope.For(ca.Options.Zone, plan.DomainScope));
            var fingerprint = CertificateAuthorityFactory.Fingerprint(caCert);

            CreatePrivateDirectory(ca.Files.Dir);
            CreatePrivateDirectory(ca.Files.CaDir);
            var salt = KeyVault.NewSalt();
            var encryptedKey = Task.Run(() => KeyVault.EncryptKey(caKey, passphrase), cancellationToken);
            var sealingKey = await Task.Run(() => KeyVault.DeriveSecretKey(passphrase, salt), cancellationToken);
            AtomicFile.WriteAllText(ca.Files.CaKey, await encryptedKey, AtomicFile.SecretMode);
            AtomicFile.WriteAllText(ca.Files.TotpSecret, KeyVault.Serialize(KeyVault.Seal(totpSecret, sealingKey, salt)), AtomicFile.SecretMode);
            var caPem = caCert.ExportCertificatePem() + "\n";
            AtomicFile.WriteAllText(ca.Files.CaCert, caPem);

            ca.Audit.Open();
            ca.Audit.Write("pond_initialized", ("profile", CreatePlan.ProfileFlag(plan.Profile)), ("operator", plan.Operator), ("hostname", hostname),
                ("ca_fingerprint", fingerprint), ("enrollment", plan.Enrollment.ToString().ToLowerInvariant()),
                ("require_approval", plan.RequireApproval ? "true" : "false"), ("domain", plan.DomainScope), ("subnet", plan.SubnetScope));

            var policy = new CertPolicy
            {
                LifetimeDays = ca.Options.DefaultLifetimeDays ?? new CertPolicy().LifetimeDays,
                RenewAtDay = ca.Options.DefaultRenewAtDay ?? new CertPolicy().RenewAtDay,
                LifetimeMinutes = ca.Options.DefaultLifetimeMinutes,
                RenewAtMinute = ca.Options.DefaultRenewAtMinute,
            };
            var (own, certPath) = issuer.IssueOwn(caCert, caKey, hostname, plan.DomainScope, plan.SubnetScope, policy, now);
            RosterMember primary;
            using (own)
            {
                primary = new RosterMember
                {
                    Hostname = hostname,
                    Role = MemberRole.Primary,
                    EnrolledAt = now,
                    EnrolledBy = plan.Operator,
                    CertFingerprint = CertificateAuthorityFactory.Fingerprint(own),
                    CertSerial = RevocationListSigner.SerialHex(own.SerialNumberBytes.Span),
                    CertExpires = own.NotAfter.ToUniversalTime(),
                    CertSans = [.. SanStrings(own)],
                    CertPath = certPath,
                    PinnedCaFingerprint = fingerprint,
                    LastSeen = now,
                };
            }

            var roster = new RosterDocument
            {
                Metadata = new RosterMetadata
                {
                    Created = now,
                    TrustProfile = plan.Profile,
                    Operator = plan.Operator,
                    DomainScope = plan.DomainScope,
                    SubnetScope = plan.SubnetScope,
                    TotpSecretHash = Convert.ToHexStringLower(SHA256.HashData(totpSecret)),
                    TotpRotatedAt = now,
                    EnrollmentState = plan.Enrollment,
                    RequireApproval = plan.RequireApproval,
                    CaFingerprint = fingerprint,
                    Zone = ca.Options.Zone,
                    Policy = policy,
                    AutoUnlock = plan.AutoUnlock,
                    AutoUnlockMethod = plan.AutoUnlock ? AutoUnlock.MachineIdMethod : null,
                },
                Members = [primary],
            };
            if (plan.AutoUnlock)
            {
                var machineId = ca.Options.ResolveMachineId()
                    ?? throw new KoiException(KoiErrorCode.InvalidRequest, "auto-unlock needs a machine id (/etc/machine-id) and this machine has none");
                AutoUnlock.Store(ca.Files.AutoUnlock, passphrase, machineId);
                ca.Audit.Write("auto_unlock_enabled", ("warning", "passphrase stored sealed to the machine id"));
                CaVault.LogAutoUnlockWarning(ca.Logger, AutoUnlock.Warning);
            }

            ca.Roster.Replace(roster);
            ca.Audit.Write("member_joined", ("hostname", hostname), ("role", "primary"), ("fingerprint", primary.CertFingerprint), ("by", plan.Operator));

            vault.Adopt(caCert, new UnlockedSecrets(caKey, sealingKey, salt, [.. totpSecret]));
            ca.Health.Running("unlocked");
            LogCreated(ca.Logger, plan.Profile, fingerprint);
            heads.Sign();
            bundles.PublishIfDue();

            var trusted = await trust.InstallUnderGateAsync(caPem, fingerprint, cancellationToken);
            await announcer.AnnounceAsync(hostname, fingerprint, CreatePlan.ProfileFlag(plan.Profile), cancellationToken);
            ca.Publish("ca_created", new CaCreatedEvent(fingerprint, CreatePlan.ProfileFlag(plan.Profile)));
            var uri = vault.TotpUri(totpSecret);
            return new CreateResult(CreatePlan.ProfileFlag(plan.Profile), fingerprint, roster.Members.Count, primary.CertPath, uri, TotpQr.PngDataUri(uri), trusted);
        }, cancellationToken);
    }

    /// <summary>Destroys the CA: audited first (while the log still exists), then trust entries, announcement, files.</summary>
    public Task DestroyAsync(CancellationToken cancellationToken) => ca.SerializedAsync(async () =>
    {
        var roster = ca.RequireInitialized();
        var fingerprint = roster.Metadata.CaFingerprint;
        ca.Audit.Write("ca_destroyed", ("ca_fingerprint", fingerprint));
        await trust.RemoveUnderGateAsync(fingerprint, cancellationToken);
        await announcer.WithdrawAsync("no CA");
        window.Stop();
        vault.Forget();
        ca.Audit.Close();
        ledger.Reset();
        bundles.Clear();
        foreach (var member in roster.Members.Where(m => m.Role == MemberRole.Primary && m.CertPath.StartsWith(ca.Files.CertsDir, StringComparison.Ordinal)))
        {
            if (Directory.Exists(member.CertPath))
            {
                Directory.Delete(member.CertPath, recursive: true);
            }
        }

        ca.Roster.Delete();
        Directory.Delete(ca.Files.Dir, recursive: true);
        ca.Health.Running("no CA yet: koi certmesh create");
        window.Health.Running("no CA");
        LogDestroyed(ca.Logger, fingerprint);
        ca.Publish("ca_destroyed", new CaEvent(fingerprint));
        return true;
    }, cancellationToken);

    /// <summary>The SANs as the roster records them: DNS names, then addresses, as issued.</summary>
    internal static List<string> SanStrings(System.Security.Cryptography.X509Certificates.X509Certificate2 cert)
    {
        var list = new List<string>();
        foreach (var extension in cert.Extensions)
        {
            if (extension is System.Security.Cryptography.X509Certificates.X509SubjectAlternativeNameExtension san)
            {
                list.AddRange(san.EnumerateDnsNames());
                list.AddRange(san.EnumerateIPAddresses().Select(a => a.ToString()));
            }
        }

        return list;
    }

    /// <summary>Files a crashed create or restore may have left without a roster.</summary>
    internal void ClearLeftovers()
    {
        foreach (var file in new[] { ca.Files.CaKey, ca.Files.CaCert, ca.Files.TotpSecret, ca.Files.AuditKey, ca.Files.AuditLog, ca.Files.TrustRecord, ca.Files.AutoUnlock, ca.Files.AutoUnlockCredential })
        {
            if (File.Exists(file))
            {
                File.Delete(file);
            }
        }
    }

    internal static void CreatePrivateDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
        }
        else
        {
            Directory.CreateDirectory(path, PrivateDirectory);
        }
    }
}
