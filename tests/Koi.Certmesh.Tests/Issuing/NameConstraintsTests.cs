using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Koi.Certmesh.Authority;
using Koi.Certmesh.Issuing;
using Koi.Certmesh.Tests.MeshPlane;
using Koi.Testing;

namespace Koi.Certmesh.Tests.Issuing;

/// <summary>
/// A new mesh root can vouch only for the LAN (docs/security.md): openssl — the library nginx and curl use — judges
/// leaves signed by a root built the way <see cref="CaLifecycle"/> builds one.
/// </summary>
public sealed class NameConstraintsTests : IDisposable
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;
    private readonly TempDirectory _dir = new();

    [Fact]
    public void Openssl_LeafForExampleCom_RejectedAsOutsideThePermittedSubtree()
    {
        Assert.SkipUnless(Tool.Exists("openssl"), "needs openssl");
        using var root = TestRoot.Create(NameScope.For("lan", "lab.test"));

        var verdict = Verify(root, root.Leaf("example.com", ["example.com"], []));

        Assert.NotEqual(0, verdict.ExitCode);
        Assert.Contains("permitted subtree violation", verdict.Stdout + verdict.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("stone-b.lan")]
    [InlineData("stone-b.local")]
    [InlineData("stone-b.lab.test")]
    public void Openssl_LeafInsideTheScope_Verifies(string name)
    {
        Assert.SkipUnless(Tool.Exists("openssl"), "needs openssl");
        using var root = TestRoot.Create(NameScope.For("lan", "lab.test"));

        var verdict = Verify(root, root.Leaf("stone-b", [name], [IPAddress.Parse("192.168.1.20"), IPAddress.Parse("fd00::20")]));

        Assert.True(verdict.ExitCode == 0, verdict.Stdout + verdict.Stderr);
    }

    [Theory]
    [InlineData("8.8.8.8")]
    [InlineData("2001:db8::1")]
    public void Openssl_LeafForAPublicAddress_Rejected(string address)
    {
        Assert.SkipUnless(Tool.Exists("openssl"), "needs openssl");
        using var root = TestRoot.Create(NameScope.For("lan", null));

        var verdict = Verify(root, root.Leaf("stone-b", ["stone-b.lan"], [IPAddress.Parse(address)]));

        Assert.NotEqual(0, verdict.ExitCode);
        Assert.Contains("permitted subtree violation", verdict.Stdout + verdict.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Openssl_SingleLabelSan_RejectedWhichIsWhyNewCertificatesLeaveItOut()
    {
        Assert.SkipUnless(Tool.Exists("openssl"), "needs openssl");
        using var root = TestRoot.Create(NameScope.For("lan", null));

        var bare = Verify(root, root.Leaf("stone-b", ["stone-b", "stone-b.lan"], []));
        var sans = SanPolicy.For("stone-b", "lan", [IPAddress.Parse("10.0.0.5"), IPAddress.Parse("203.0.113.9")], null, constrained: true);

        Assert.NotEqual(0, bare.ExitCode);
        Assert.Equal(["stone-b.local", "stone-b.lan"], sans.DnsNames);
        Assert.Equal([IPAddress.Parse("10.0.0.5")], sans.Addresses);
    }

    [Fact]
    public async Task Create_NewCa_CriticalNameConstraintsAndMembersCertificatesVerifyUnderThem()
    {
        Assert.SkipUnless(Tool.Exists("openssl"), "needs openssl");
        await using var kit = await MeshKit.StartAsync();
        File.WriteAllText(_dir.Combine("ca.pem"), kit.Join.Ca.CaPem());

        var text = Tool.Run("openssl", "x509", "-in", _dir.Combine("ca.pem"), "-noout", "-ext", "nameConstraints").Stdout;
        var member = Tool.Run("openssl", "verify", "-CAfile", _dir.Combine("ca.pem"), Path.Combine(kit.MemberCertDir, "cert.pem"));
        var primary = kit.Join.Roster.Members.Single(m => m.Role == Koi.Certmesh.Roster.MemberRole.Primary);
        var own = Tool.Run("openssl", "verify", "-CAfile", _dir.Combine("ca.pem"), Path.Combine(primary.CertPath, "cert.pem"));

        Assert.Contains("X509v3 Name Constraints: critical", text, StringComparison.Ordinal);
        Assert.Contains("DNS:lan", text, StringComparison.Ordinal);
        Assert.Contains("DNS:local", text, StringComparison.Ordinal);
        Assert.Contains("IP:192.168.0.0/255.255.0.0", text, StringComparison.Ordinal);
        Assert.True(member.ExitCode == 0, member.Stdout + member.Stderr);
        Assert.True(own.ExitCode == 0, own.Stdout + own.Stderr);
        Assert.DoesNotContain("stone-b", kit.RosterEntry().CertSans);
    }

    [Fact]
    public async Task Compliance_NewCa_SaysLanOnlyAndNoWarning()
    {
        await using var kit = await MeshKit.StartAsync();

        var report = await kit.Join.Ca.ComplianceAsync(TestContext.Current.CancellationToken);

        Assert.Contains(report.Items, i => i.Label == "Name constraints" && i.Value.StartsWith("LAN only", StringComparison.Ordinal));
        Assert.DoesNotContain(report.Items, i => i.Value == ComplianceReport.NoNameConstraints);
    }

    [Fact]
    public void Compliance_CaMadeBeforeNameConstraints_WarnsItLacksThem()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var old = CertificateAuthorityFactory.CreateCertificate(key, "stone-01 koi certmesh CA", Now);
        using var root = TestRoot.Create(NameScope.For("lan", null));

        Assert.Equal([ComplianceReport.NoNameConstraints], ComplianceReport.NameConstraintWarnings(old));
        Assert.Empty(ComplianceReport.NameConstraintWarnings(root.Certificate));
    }

    public void Dispose() => _dir.Dispose();

    private (int ExitCode, string Stdout, string Stderr) Verify(TestRoot root, X509Certificate2 leaf)
    {
        File.WriteAllText(_dir.Combine("root.pem"), root.Certificate.ExportCertificatePem());
        File.WriteAllText(_dir.Combine("leaf.pem"), leaf.ExportCertificatePem());
        leaf.Dispose();
        return Tool.Run("openssl", "verify", "-CAfile", _dir.Combine("root.pem"), _dir.Combine("leaf.pem"));
    }

    /// <summary>A root made by <see cref="CertificateAuthorityFactory"/> with its key, to sign whatever a test needs.</summary>
    internal sealed class TestRoot : IDisposable
    {
        private TestRoot(ECDsa key, X509Certificate2 certificate)
        {
            Key = key;
            Certificate = certificate;
        }

        public ECDsa Key { get; }

        public X509Certificate2 Certificate { get; }

        public static TestRoot Create(NameScope scope)
        {
            var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            return new TestRoot(key, CertificateAuthorityFactory.CreateCertificate(key, "test koi certmesh CA", Now, scope));
        }

        public X509Certificate2 Leaf(string hostname, IReadOnlyList<string> names, IReadOnlyList<IPAddress> addresses)
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest($"CN={hostname}", key, HashAlgorithmName.SHA256);
            var leaf = ServiceCertificateIssuer.Issue(Certificate, Key, request.PublicKey, hostname, new SanSet(names, addresses), Now, TimeSpan.FromDays(30));
            return leaf.CopyWithPrivateKey(key);
        }

        public void Dispose()
        {
            Certificate.Dispose();
            Key.Dispose();
        }
    }
}
