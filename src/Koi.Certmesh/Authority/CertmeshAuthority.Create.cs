using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Koi.Certmesh.Api;
using Koi.Certmesh.Audit;
using Koi.Certmesh.Crypto;
using Koi.Certmesh.Issuing;
using Koi.Certmesh.Roster;
using Koi.Core.Errors;
using Koi.Core.Storage;

namespace Koi.Certmesh.Authority;

internal sealed partial class CertmeshAuthority
{
    private const UnixFileMode PrivateDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>Fresh TOTP secret (≥ 20 bytes), from the CSPRNG mixed with the operator's entropy.</summary>
    public static byte[] NewTotpSecret(string? entropy) => new EntropyMixer(entropy).Next(Totp.SecretBytes, "totp");

    public string TotpUri(byte[] secret) => Totp.Uri(secret, "koi certmesh", Hostname);

    /// <summary>The team profile's subnet scope when none is given: the /24 of this machine's first IPv4 address.</summary>
    public string? InferSubnet() => SanPolicy.InferSubnet(_options.ResolveAddresses());

    /// <summary>
    /// Creates the CA: key from mixed entropy, 10-year certificate, encrypted key and TOTP secret, audit log, the
    /// primary's own service certificate, the roster, trust stores, announcement. The roster is written last of the
    /// essential state, so a crash before it leaves "no CA" (and the leftovers are cleared on the next create).
    /// </summary>
    public async Task<CreateResult> CreateAsync(CreatePlan plan, string passphrase, string? entropy, byte[] totpSecret, CancellationToken cancellationToken)
    {
        if (totpSecret.Length < Totp.SecretBytes)
        {
            throw new KoiException(KoiErrorCode.InvalidRequest, "the TOTP secret must be at least 20 bytes");
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (Roster.Current is { } existing)
            {
                throw new KoiException(KoiErrorCode.Conflict, $"a certmesh CA already exists here (fingerprint {existing.Metadata.CaFingerprint}); koi certmesh destroy first");
            }

            ClearLeftovers();
            var now = _time.GetUtcNow();
            var hostname = Hostname;
            var mixer = new EntropyMixer(entropy);
            var caKey = CertificateAuthorityFactory.CreateKey(mixer);
            var caCert = CertificateAuthorityFactory.CreateCertificate(caKey, $"{hostname} koi certmesh CA", now);
            var fingerprint = CertificateAuthorityFactory.Fingerprint(caCert);

            CreatePrivateDirectory(_files.Dir);
            CreatePrivateDirectory(_files.CaDir);
            var salt = KeyVault.NewSalt();
            var encryptedKey = Task.Run(() => KeyVault.EncryptKey(caKey, passphrase), cancellationToken);
            var sealingKey = await Task.Run(() => KeyVault.DeriveSecretKey(passphrase, salt), cancellationToken);
            AtomicFile.WriteAllText(_files.CaKey, await encryptedKey, AtomicFile.SecretMode);
            AtomicFile.WriteAllText(_files.TotpSecret, KeyVault.Serialize(KeyVault.Seal(totpSecret, sealingKey, salt)), AtomicFile.SecretMode);
            var caPem = caCert.ExportCertificatePem() + "\n";
            AtomicFile.WriteAllText(_files.CaCert, caPem);

            _audit?.Dispose();
            _audit = AuditLog.Open(_files.AuditLog, _files.AuditKey, _time);
            Audit("pond_initialized", ("profile", CreatePlan.ProfileFlag(plan.Profile)), ("operator", plan.Operator), ("hostname", hostname),
                ("ca_fingerprint", fingerprint), ("enrollment", plan.Enrollment.ToString().ToLowerInvariant()),
                ("require_approval", plan.RequireApproval ? "true" : "false"), ("domain", plan.DomainScope), ("subnet", plan.SubnetScope));

            var policy = new CertPolicy
            {
                LifetimeDays = _options.DefaultLifetimeDays ?? new CertPolicy().LifetimeDays,
                RenewAtDay = _options.DefaultRenewAtDay ?? new CertPolicy().RenewAtDay,
            };
            var member = IssueOwnCertificate(caCert, caKey, hostname, plan.Operator, plan.DomainScope, plan.SubnetScope, policy, now, fingerprint);
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
                    Zone = _options.Zone,
                    Policy = policy,
                    AutoUnlock = plan.AutoUnlock,
                },
                Members = [member],
            };
            if (plan.AutoUnlock)
            {
                var machineId = _options.ResolveMachineId()
                    ?? throw new KoiException(KoiErrorCode.InvalidRequest, "auto-unlock needs a machine id (/etc/machine-id) and this machine has none");
                AutoUnlock.Store(_files.AutoUnlock, passphrase, machineId);
                Audit("auto_unlock_enabled", ("warning", "passphrase stored sealed to the machine id"));
                LogAutoUnlockWarning(_logger, AutoUnlock.Warning);
            }

            Roster.Replace(roster);
            Audit("member_joined", ("hostname", hostname), ("role", "primary"), ("fingerprint", member.CertFingerprint), ("by", plan.Operator));

            _caCert = caCert;
            _unlocked?.Dispose();
            _unlocked = new UnlockedSecrets(caKey, sealingKey, salt, [.. totpSecret]);
            _unlockLimiter.Succeed();
            _health.Running("unlocked");
            LogCreated(_logger, plan.Profile, fingerprint);

            var trust = await InstallTrustCoreAsync(caPem, fingerprint, cancellationToken);
            await _announcer.AnnounceAsync(hostname, fingerprint, CreatePlan.ProfileFlag(plan.Profile), cancellationToken);
            _events?.Publish(Capability, "ca_created", new CaCreatedEvent(fingerprint, CreatePlan.ProfileFlag(plan.Profile)));
            var uri = TotpUri(totpSecret);
            return new CreateResult(CreatePlan.ProfileFlag(plan.Profile), fingerprint, roster.Members.Count, member.CertPath, uri, TotpQr.PngDataUri(uri), trust);
        }
        finally
        {
            _gate.Release();
        }
    }

    private RosterMember IssueOwnCertificate(
        X509Certificate2 caCert, ECDsa caKey, string hostname, string enrolledBy, string? domain, string? subnet, CertPolicy policy, DateTimeOffset now, string caFingerprint)
    {
        var sans = SanPolicy.For(hostname, _options.Zone, _options.ResolveAddresses(), domain);
        var refused = SanPolicy.OutOfScope(sans, hostname, _options.Zone, domain, subnet);
        if (refused.Count > 0)
        {
            // The primary's own addresses outside the subnet scope are left out rather than failing the create.
            Audit("scope_denied", ("hostname", hostname), ("refused", string.Join(",", refused)));
            sans = new SanSet(
                [.. sans.DnsNames.Where(n => !refused.Contains(n))],
                [.. sans.Addresses.Where(a => !refused.Contains(a.ToString()))]);
        }

        using var serviceKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={hostname}", serviceKey, HashAlgorithmName.SHA256);
        using var cert = ServiceCertificateIssuer.Issue(caCert, caKey, request.PublicKey, hostname, sans, now, TimeSpan.FromDays(policy.LifetimeDays));
        var certPath = _files.CertPath(hostname);
        CertFileSet.Write(certPath, cert.ExportCertificatePem() + "\n", serviceKey.ExportPkcs8PrivateKeyPem() + "\n", caCert.ExportCertificatePem() + "\n");
        return new RosterMember
        {
            Hostname = hostname,
            Role = MemberRole.Primary,
            EnrolledAt = now,
            EnrolledBy = enrolledBy,
            CertFingerprint = CertificateAuthorityFactory.Fingerprint(cert),
            CertExpires = cert.NotAfter.ToUniversalTime(),
            CertSans = [.. sans.AsStrings()],
            CertPath = certPath,
            PinnedCaFingerprint = caFingerprint,
            LastSeen = now,
        };
    }

    private void ClearLeftovers()
    {
        foreach (var file in new[] { _files.CaKey, _files.CaCert, _files.TotpSecret, _files.AuditKey, _files.AuditLog, _files.TrustRecord, _files.AutoUnlock })
        {
            if (File.Exists(file))
            {
                File.Delete(file);
            }
        }
    }

    private static void CreatePrivateDirectory(string path)
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
