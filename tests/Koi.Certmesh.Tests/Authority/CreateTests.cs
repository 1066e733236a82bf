using System.Security.Cryptography.X509Certificates;
using Koi.Certmesh.Roster;
using Koi.Core.Errors;

namespace Koi.Certmesh.Tests.Authority;

public sealed class CreateTests
{
    [Fact]
    public async Task Create_JustMe_WritesEncryptedStateCertsRosterAndAudit()
    {
        await using var h = new CertmeshHarness();
        var result = await h.CreateAsync();

        Assert.Equal("just-me", result.Profile);
        Assert.Matches("^[0-9a-f]{64}$", result.CaFingerprint);
        Assert.Equal(1, result.Members);
        Assert.StartsWith("otpauth://totp/", result.TotpUri);
        Assert.StartsWith("data:image/png;base64,", result.TotpQrPng);
        Assert.Contains("-----BEGIN ENCRYPTED PRIVATE KEY-----", File.ReadAllText(h.Files.CaKey));
        var base32 = result.TotpUri.Split("secret=")[1].Split('&')[0];
        Assert.DoesNotContain(base32, File.ReadAllText(h.Files.TotpSecret), StringComparison.Ordinal);
        foreach (var secret in new[] { h.Files.CaKey, h.Files.TotpSecret, h.Files.AuditKey, h.Files.AuditLog, Path.Combine(result.CertPath, "key.pem") })
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(secret));
        }

        Assert.Equal(["pond_initialized", "member_joined", "trust_bundle_published", "trust_installed"], h.AuditEvents());
        var roster = h.Authority.Roster.Current!;
        Assert.Equal(TrustProfile.Personal, roster.Metadata.TrustProfile);
        Assert.Equal(EnrollmentState.Open, roster.Metadata.EnrollmentState);
        Assert.False(roster.Metadata.RequireApproval);
        Assert.Equal(MemberRole.Primary, roster.Members[0].Role);
        Assert.Equal(result.CaFingerprint, roster.Members[0].PinnedCaFingerprint);
        Assert.True(File.Exists(Path.Combine(h.Anchors, $"koi-{result.CaFingerprint[..8]}.crt")));
        Assert.Single(h.Advertiser.Active);
        Assert.Equal("_certmesh._tcp", h.Advertiser.Active[0].Type);
        Assert.Equal("primary", h.Advertiser.Active[0].Txt!["role"]);
        Assert.Equal(result.CaFingerprint, h.Advertiser.Active[0].Txt!["fingerprint"]);
        Assert.Equal("just-me", h.Advertiser.Active[0].Txt!["profile"]);
    }

    [Fact]
    public async Task Create_CaCertificate_HasCaExtensionsAndTenYears()
    {
        await using var h = new CertmeshHarness();
        await h.CreateAsync();
        using var ca = X509Certificate2.CreateFromPem(File.ReadAllText(h.Files.CaCert));

        var basic = ca.Extensions.OfType<X509BasicConstraintsExtension>().Single();
        Assert.True(basic.Critical);
        Assert.True(basic.CertificateAuthority);
        Assert.True(basic.HasPathLengthConstraint);
        Assert.Equal(0, basic.PathLengthConstraint);
        var usage = ca.Extensions.OfType<X509KeyUsageExtension>().Single();
        Assert.Equal(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, usage.KeyUsages);
        Assert.NotNull(ca.Extensions.OfType<X509SubjectKeyIdentifierExtension>().SingleOrDefault());
        Assert.InRange((ca.NotAfter - ca.NotBefore).TotalDays, 3650, 3654);
        using var publicKey = ca.GetECDsaPublicKey()!;
        Assert.Equal(256, publicKey.KeySize);
    }

    [Fact]
    public async Task Create_ServiceCertificate_VerifiesWithOpensslAndCarriesAuthorizedSans()
    {
        await using var h = new CertmeshHarness();
        var result = await h.CreateAsync();
        var dir = result.CertPath;

        var (exit, stdout, stderr) = Tool.Run("openssl", "verify", "-CAfile", Path.Combine(dir, "ca.pem"), Path.Combine(dir, "cert.pem"));
        Assert.True(exit == 0, stdout + stderr);
        Assert.Equal(File.ReadAllText(Path.Combine(dir, "cert.pem")) + File.ReadAllText(Path.Combine(dir, "ca.pem")), File.ReadAllText(Path.Combine(dir, "fullchain.pem")));

        using var cert = X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(dir, "cert.pem")));
        var sans = cert.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        Assert.Equal(["stone-a.local", "stone-a.lan"], sans.EnumerateDnsNames());
        Assert.Equal(["10.77.0.11", "fd77::11"], sans.EnumerateIPAddresses().Select(a => a.ToString()));
        var eku = cert.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single().EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>().Select(o => o.Value);
        Assert.Equal(["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"], eku);
        Assert.Equal(X509KeyUsageFlags.DigitalSignature, cert.Extensions.OfType<X509KeyUsageExtension>().Single().KeyUsages);
        Assert.NotNull(cert.Extensions.OfType<X509AuthorityKeyIdentifierExtension>().SingleOrDefault());
        Assert.InRange((cert.NotAfter - cert.NotBefore).TotalDays, 29.9, 30.1);
        Assert.True(cert.GetSerialNumber().Length >= 8);
        Assert.Equal(0, cert.SerialNumberBytes.Span[0] & 0x80);

        // The key on disk belongs to the certificate.
        using var withKey = X509Certificate2.CreateFromPemFile(Path.Combine(dir, "cert.pem"), Path.Combine(dir, "key.pem"));
        Assert.True(withKey.HasPrivateKey);
    }

    [Fact]
    public async Task Create_Twice_Conflict409AndStateUnchanged()
    {
        await using var h = new CertmeshHarness();
        var first = await h.CreateAsync();
        var ex = await Assert.ThrowsAsync<KoiException>(() => h.CreateAsync());
        Assert.Equal(KoiErrorCode.Conflict, ex.Code);
        Assert.Equal(first.CaFingerprint, h.Authority.Roster.Current!.Metadata.CaFingerprint);
    }

    [Fact]
    public async Task Create_OrganizationWithSubnetScope_LeavesOutAddressesOutsideScope()
    {
        await using var h = new CertmeshHarness();
        var result = await h.CreateAsync(TrustProfile.Organization);
        var roster = h.Authority.Roster.Current!;
        Assert.Equal(EnrollmentState.Closed, roster.Metadata.EnrollmentState);
        Assert.True(roster.Metadata.RequireApproval);
        Assert.Equal("Maria Santos", roster.Metadata.Operator);
        Assert.Contains("stone-a.lab.test", roster.Members[0].CertSans);
        Assert.DoesNotContain("fd77::11", roster.Members[0].CertSans);
        Assert.Contains("scope_denied", h.AuditEvents());
        Assert.Equal("organization", result.Profile);
    }
}
