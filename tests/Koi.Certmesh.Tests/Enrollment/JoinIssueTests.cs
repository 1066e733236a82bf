using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Koi.Certmesh;
using Koi.Certmesh.Authority;
using Koi.Certmesh.Roster;
using Koi.Core.Errors;
using Koi.Core.Storage;

namespace Koi.Certmesh.Tests.Enrollment;

/// <summary>What a successful join signs and records, and the request checks in front of it (rule 5).</summary>
public sealed class JoinIssueTests
{
    [Fact]
    public async Task Join_JustMe_SignsOnlyAuthorizedSansAndRecordsTheMember()
    {
        await using var kit = await JoinKit.CreateAsync();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var csr = JoinKit.Csr(key, "stone-b", "evil.example.com", "stone-a.local");

        var outcome = await kit.JoinAsync("stone-b", kit.Code(), JoinKit.B, csr,
            JoinKit.B, "10.77.0.50", "8.8.8.8", "127.0.0.1", "fe80::1", "fd77::12", "10.77.0.11");

        var issued = outcome.Issued!;
        Assert.Null(outcome.Pending);
        Assert.Equal("stone-b", issued.Hostname);
        Assert.Equal(kit.Created.CaFingerprint, issued.CaFingerprint);
        Assert.Equal("certs/stone-b", issued.CertPath);
        Assert.Equal(["stone-b.local", "stone-b.lan", "10.77.0.12"], issued.Sans);

        using var ca = X509Certificate2.CreateFromPem(issued.CaCert);
        using var leaf = X509Certificate2.CreateFromPem(issued.ServiceCert);
        Assert.Equal(kit.Created.CaFingerprint, Convert.ToHexStringLower(SHA256.HashData(ca.RawData)));
        Assert.Null(Koi.Certmesh.Membership.HelloVerifier.ChainProblem(leaf, ca, kit.H.Time.GetUtcNow()));
        using (var leafKey = leaf.GetECDsaPublicKey()!)
        {
            Assert.Equal(key.ExportSubjectPublicKeyInfo(), leafKey.ExportSubjectPublicKeyInfo());
        }

        var sanText = leaf.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        Assert.Equal(["stone-b.local", "stone-b.lan"], sanText.EnumerateDnsNames());
        Assert.Equal(["10.77.0.12"], sanText.EnumerateIPAddresses().Select(a => a.ToString()));
        Assert.Equal("CN=stone-b", leaf.Subject);
        Assert.InRange((leaf.NotAfter - leaf.NotBefore).TotalDays, 30, 30.01);
        Assert.Equal(issued.Expires, new DateTimeOffset(leaf.NotAfter.ToUniversalTime()));

        var member = kit.Roster.Members.Single(m => m.Hostname == "stone-b");
        Assert.Equal(MemberRole.Member, member.Role);
        Assert.Equal(MemberStatus.Active, member.Status);
        Assert.Equal("totp", member.EnrolledBy);
        Assert.Null(member.ApprovedBy);
        Assert.Equal(JoinKit.B, member.EnrolledFrom);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(leaf.RawData)), member.CertFingerprint);
        Assert.Equal(kit.Created.CaFingerprint, member.PinnedCaFingerprint);
        Assert.Equal("certs/stone-b", member.CertPath);
        Assert.Equal(issued.Sans, member.CertSans);

        var lines = kit.AuditLines();
        Assert.Contains(lines, l => l.Contains(" scope_denied hostname=stone-b from=10.77.0.12 refused=8.8.8.8,127.0.0.1,fe80::1 reason=not_private ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains(" scope_denied hostname=stone-b from=10.77.0.12 refused=10.77.0.11 reason=held_by_member ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains(" scope_denied hostname=stone-b from=10.77.0.12 refused=10.77.0.50,fd77::12 reason=unproven ", StringComparison.Ordinal));
        Assert.Contains($"member_joined hostname=stone-b role=member fingerprint={member.CertFingerprint} approved_by=auto from=10.77.0.12", lines[^1]);
        Assert.Contains((await kit.Ca.StatusAsync(CancellationToken.None)).Members, m => m.Hostname == "stone-b");
    }

    [Fact]
    public async Task Join_ThenRestart_MemberStillInTheRoster()
    {
        await using var kit = await JoinKit.CreateAsync();
        var issued = (await kit.JoinAsync("stone-b", kit.Code())).Issued!;

        await kit.H.RestartAsync();

        var member = Assert.Single(kit.Roster.Members, m => m.Hostname == "stone-b");
        Assert.Equal(issued.Sans, member.CertSans);
        await kit.Ca.UnlockAsync(CertmeshHarness.Passphrase, CancellationToken.None);
        Assert.Equal(KoiErrorCode.Conflict, (await kit.RefusedAsync("stone-b", kit.NextCode())).Code);
    }

    [Fact]
    public async Task Join_Answer_NeverContainsAPrivateKey()
    {
        await using var kit = await JoinKit.CreateAsync();

        var outcome = await kit.JoinAsync("stone-b", kit.Code());

        var json = JsonSerializer.Serialize(outcome.Issued, CertmeshJsonContext.Default.Options);
        Assert.DoesNotContain("PRIVATE KEY", json);
        Assert.Contains("\"service_cert\":\"-----BEGIN CERTIFICATE-----", json);
        Assert.DoesNotContain("PRIVATE KEY", kit.RosterOnDisk());
    }

    [Fact]
    public async Task Join_PolicyLifetime_UsedForTheCertificate()
    {
        await using var kit = await JoinKit.CreateAsync();
        await kit.Ca.SetPolicyAsync(90, 60, CancellationToken.None);

        var issued = (await kit.JoinAsync("stone-b", kit.Code())).Issued!;

        using var leaf = X509Certificate2.CreateFromPem(issued.ServiceCert);
        Assert.InRange((leaf.NotAfter - leaf.NotBefore).TotalDays, 90, 90.01);
    }

    [Fact]
    public async Task Join_SourceLoopback_NotCertifiedNorItsUnprovenClaims()
    {
        await using var kit = await JoinKit.CreateAsync();

        var issued = (await kit.JoinAsync("stone-b", kit.Code(), "127.0.0.1", null, "10.77.0.60")).Issued!;

        Assert.Equal(["stone-b.local", "stone-b.lan"], issued.Sans);
        Assert.Contains(kit.AuditLines(), l => l.Contains("scope_denied hostname=stone-b from=127.0.0.1 refused=10.77.0.60 reason=unproven", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Join_SourceIPv4MappedIPv6_JudgedAsIPv4()
    {
        await using var kit = await JoinKit.ScopedAsync(null, "10.77.0.0/24");

        var issued = (await kit.JoinAsync("stone-b", kit.Code(), "::ffff:10.77.0.12")).Issued!;

        Assert.Contains("10.77.0.12", issued.Sans);
        Assert.Equal("10.77.0.12", kit.Roster.Members.Single(m => m.Hostname == "stone-b").EnrolledFrom);
    }

    [Theory]
    [InlineData("")]
    [InlineData("../etc")]
    [InlineData("a/b")]
    [InlineData("a\\b")]
    [InlineData("stone\nb")]
    [InlineData("stone\u0000b")]
    [InlineData("stone b")]
    [InlineData("-stone")]
    [InlineData("stone-")]
    [InlineData("stone..b")]
    [InlineData("stone.")]
    [InlineData("stoné")]
    [InlineData("\u212Aey")]
    [InlineData("localhost")]
    [InlineData("1234")]
    [InlineData("10.77.0.12")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    public async Task Join_InvalidHostname_400AndNothingChanges(string hostname)
    {
        await using var kit = await JoinKit.CreateAsync();
        var before = kit.RosterOnDisk();

        var ex = await kit.RefusedAsync(hostname, kit.Code(), csr: JoinKit.Csr());

        Assert.Equal(KoiErrorCode.InvalidRequest, ex.Code);
        Assert.Equal(before, kit.RosterOnDisk());
        Assert.Equal(["stone-a"], Directory.GetDirectories(kit.H.Files.CertsDir).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Join_UppercaseHostname_EnrolledLowercase()
    {
        await using var kit = await JoinKit.CreateAsync();

        var issued = (await kit.JoinAsync("Stone-B", kit.Code())).Issued!;

        Assert.Equal("stone-b", issued.Hostname);
    }

    [Fact]
    public async Task Join_CsrRsa_400()
    {
        await using var kit = await JoinKit.CreateAsync();
        using var rsa = RSA.Create(2048);
        var csr = new CertificateRequest("CN=stone-b", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1).CreateSigningRequestPem();

        var ex = await kit.RefusedAsync("stone-b", kit.Code(), csr: csr);

        Assert.Equal(KoiErrorCode.InvalidRequest, ex.Code);
        Assert.Contains("P-256", ex.Message);
    }

    [Fact]
    public async Task Join_CsrP384_400()
    {
        await using var kit = await JoinKit.CreateAsync();

        var ex = await kit.RefusedAsync("stone-b", kit.Code(), csr: JoinKit.Csr("stone-b", ECCurve.NamedCurves.nistP384));

        Assert.Equal(KoiErrorCode.InvalidRequest, ex.Code);
        Assert.Contains("P-256", ex.Message);
    }

    [Fact]
    public async Task Join_CsrSignatureBroken_400()
    {
        await using var kit = await JoinKit.CreateAsync();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var der = new CertificateRequest("CN=stone-b", key, HashAlgorithmName.SHA256).CreateSigningRequest();
        der[^3] ^= 0x01; // inside the signature value
        var pem = PemEncoding.WriteString("CERTIFICATE REQUEST", der);

        var ex = await kit.RefusedAsync("stone-b", kit.Code(), csr: pem);

        Assert.Equal(KoiErrorCode.InvalidRequest, ex.Code);
    }

    [Theory]
    [InlineData("")]
    [InlineData("hello")]
    [InlineData("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----")]
    public async Task Join_CsrUnparseable_400(string csr)
    {
        await using var kit = await JoinKit.CreateAsync();

        Assert.Equal(KoiErrorCode.InvalidRequest, (await kit.RefusedAsync("stone-b", kit.Code(), csr: csr)).Code);
    }

    [Theory]
    [InlineData("10.1")]
    [InlineData("stone-b")]
    [InlineData("fe80::1%eth0")]
    public async Task Join_ClaimedAddressNotAnAddress_400(string address)
    {
        await using var kit = await JoinKit.CreateAsync();

        Assert.Equal(KoiErrorCode.InvalidRequest, (await kit.RefusedAsync("stone-b", kit.Code(), JoinKit.B, null, address)).Code);
    }

    [Fact]
    public async Task Join_TooManyClaimedAddresses_400()
    {
        await using var kit = await JoinKit.CreateAsync();
        var many = Enumerable.Range(1, 17).Select(i => $"10.77.0.{i + 100}").ToArray();

        Assert.Equal(KoiErrorCode.InvalidRequest, (await kit.RefusedAsync("stone-b", kit.Code(), JoinKit.B, null, many)).Code);
    }

    [Fact]
    public async Task Join_DomainScope_BareNameGetsTheDomainName()
    {
        await using var kit = await JoinKit.ScopedAsync("lab.test", null);

        var issued = (await kit.JoinAsync("stone-b", kit.Code())).Issued!;

        Assert.Equal(["stone-b.local", "stone-b.lan", "stone-b.lab.test", "10.77.0.12"], issued.Sans);
    }

    [Fact]
    public async Task Join_DomainScope_QualifiedNameInsideEnrolledAsItsLabel()
    {
        await using var kit = await JoinKit.ScopedAsync("lab.test", null);

        var issued = (await kit.JoinAsync("Stone-B.Lab.Test", kit.Code())).Issued!;

        Assert.Equal("stone-b", issued.Hostname);
        Assert.Contains("stone-b.lab.test", issued.Sans);
    }

    [Theory]
    [InlineData("stone-b.elsewhere.test", KoiErrorCode.OutOfScope)]
    [InlineData("stone-b.notlab.test", KoiErrorCode.OutOfScope)]
    [InlineData("a.stone-b.lab.test", KoiErrorCode.InvalidRequest)]
    public async Task Join_DomainScope_QualifiedNameOutside_Refused(string hostname, string code)
    {
        await using var kit = await JoinKit.ScopedAsync("lab.test", null);

        var ex = await kit.RefusedAsync(hostname, kit.Code());

        Assert.Equal(code, ex.Code);
        Assert.Single(kit.Roster.Members);
        if (code == KoiErrorCode.OutOfScope)
        {
            Assert.Equal(403, ex.HttpStatus);
            Assert.Contains("join_refused reason=out_of_scope", kit.LastAudit());
        }
    }

    [Fact]
    public async Task Join_NoDomainScope_QualifiedName400()
    {
        await using var kit = await JoinKit.CreateAsync();

        Assert.Equal(KoiErrorCode.InvalidRequest, (await kit.RefusedAsync("stone-b.example.com", kit.Code())).Code);
    }

    [Fact]
    public async Task Join_SubnetScope_SourceOutside403()
    {
        await using var kit = await JoinKit.ScopedAsync(null, "10.77.0.0/24");

        var ex = await kit.RefusedAsync("stone-b", kit.Code(), "10.78.0.12", null, "10.77.0.12");

        Assert.Equal(KoiErrorCode.OutOfScope, ex.Code);
        Assert.Contains("10.77.0.0/24", ex.Message);
        Assert.Contains("join_refused reason=out_of_scope from=10.78.0.12 hostname=stone-b", kit.LastAudit());
    }

    [Fact]
    public async Task Join_ClaimsRouterAddressesWithoutApproval_OnlyTheSourceIsCertified()
    {
        // The review's finding: a join claiming the LAN router's addresses got them as IP SANs.
        await using var kit = await JoinKit.CreateAsync();

        var issued = (await kit.JoinAsync("stone-b", kit.Code(), JoinKit.B, null, "192.168.1.1", "10.0.0.1")).Issued!;

        Assert.Equal(["stone-b.local", "stone-b.lan", JoinKit.B], issued.Sans);
        using var leaf = X509Certificate2.CreateFromPem(issued.ServiceCert);
        Assert.Equal([JoinKit.B], leaf.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single().EnumerateIPAddresses().Select(a => a.ToString()));
        Assert.Equal(issued.Sans, kit.Roster.Members.Single(m => m.Hostname == "stone-b").CertSans);
        Assert.Null(kit.Roster.Members.Single(m => m.Hostname == "stone-b").ApprovedAddresses);
        Assert.Contains(kit.AuditLines(), l => l.Contains("scope_denied hostname=stone-b from=10.77.0.12 refused=192.168.1.1,10.0.0.1 reason=unproven", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Join_SubnetScope_ClaimedOutsideLeftOutAndAudited()
    {
        await using var kit = await JoinKit.ScopedAsync(null, "10.77.0.0/24");

        var issued = (await kit.JoinAsync("stone-b", kit.Code(), JoinKit.B, null, JoinKit.B, "10.99.0.5", "fd77::12")).Issued!;

        Assert.Equal(["stone-b.local", "stone-b.lan", "10.77.0.12"], issued.Sans);
        Assert.Contains(kit.AuditLines(), l => l.Contains("scope_denied hostname=stone-b from=10.77.0.12 refused=10.99.0.5,fd77::12 reason=outside_subnet", StringComparison.Ordinal));
    }
}
