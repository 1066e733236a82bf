using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Koi.Certmesh;
using Koi.Certmesh.Authority;
using Koi.Certmesh.Enrollment;
using Koi.Certmesh.Membership;
using Koi.Certmesh.Roster;
using Koi.Core.Errors;
using Koi.Core.Storage;

namespace Koi.Certmesh.Tests.Enrollment;

public sealed class HelloTests
{
    private const string Nonce = "0123456789abcdef0123456789abcdef";

    [Fact]
    public async Task Hello_SignatureVerifiesWithTheServiceCertificateKey()
    {
        await using var kit = await JoinKit.CreateAsync();

        var hello = await kit.Ca.HelloAsync(Nonce, CancellationToken.None);

        Assert.Equal("stone-a", hello.Hostname);
        Assert.Equal(kit.Created.CaFingerprint, hello.CaFingerprint);
        Assert.Equal("just-me", hello.Profile);
        Assert.Equal("open", hello.Enrollment);
        Assert.False(hello.RequiresApproval);
        using var service = X509Certificate2.CreateFromPem(hello.ServiceCert);
        Assert.Equal(File.ReadAllText(Path.Combine(kit.Created.CertPath, "cert.pem")), hello.ServiceCert);
        using var key = service.GetECDsaPublicKey()!;
        var signed = Encoding.UTF8.GetBytes($"koi-certmesh-hello\n{Nonce}\n{hello.CaFingerprint}\nstone-a");
        Assert.True(key.VerifyData(signed, Convert.FromBase64String(hello.Signature), HashAlgorithmName.SHA256));
        Assert.False(key.VerifyData(Encoding.UTF8.GetBytes($"koi-certmesh-hello\n{Nonce}x\n{hello.CaFingerprint}\nstone-a"), Convert.FromBase64String(hello.Signature), HashAlgorithmName.SHA256));

        // The joiner's own check accepts it, and refuses it for another nonce.
        var wire = JsonSerializer.Deserialize<HelloResponse>(JsonSerializer.Serialize(hello, CertmeshJsonContext.Default.Options), CertmeshJsonContext.Default.Options)!;
        Assert.Null(HelloVerifier.Problem(wire, Nonce, kit.H.Time.GetUtcNow()));
        Assert.NotNull(HelloVerifier.Problem(wire, Nonce.Replace('0', '1'), kit.H.Time.GetUtcNow()));
    }

    [Fact]
    public async Task Hello_WhileLocked_StillAnswersAndSigns()
    {
        await using var kit = await JoinKit.CreateAsync(TrustProfile.Team);
        await kit.Ca.CloseEnrollmentAsync("operator", CancellationToken.None);
        await kit.H.RestartAsync();
        Assert.True(kit.Ca.Locked);

        var hello = await kit.Ca.HelloAsync(Nonce, CancellationToken.None);

        Assert.Equal("closed", hello.Enrollment);
        Assert.Equal("team", hello.Profile);
        Assert.True(hello.RequiresApproval);
        var wire = JsonSerializer.Deserialize<HelloResponse>(JsonSerializer.Serialize(hello, CertmeshJsonContext.Default.Options), CertmeshJsonContext.Default.Options)!;
        Assert.Null(HelloVerifier.Problem(wire, Nonce, kit.H.Time.GetUtcNow()));
    }

    [Fact]
    public async Task Hello_TimedWindow_ReportsWhenItCloses()
    {
        await using var kit = await JoinKit.CreateAsync();
        await kit.Ca.OpenEnrollmentAsync(TimeSpan.FromHours(1), CancellationToken.None);

        var hello = await kit.Ca.HelloAsync(Nonce, CancellationToken.None);

        Assert.Equal(kit.H.Time.GetUtcNow() + TimeSpan.FromHours(1), hello.EnrollmentClosesAt);
        var json = JsonSerializer.Serialize(hello, CertmeshJsonContext.Default.Options);
        Assert.Contains("\"enrollment_closes_at\":", json);
        Assert.Contains("\"requires_approval\":false", json);
        Assert.DoesNotContain("PRIVATE KEY", json);
    }

    [Fact]
    public async Task Hello_CertificateAndKeyOfDifferentGenerationsNothingLoaded_503NeverATornSignature()
    {
        await using var kit = await JoinKit.CreateAsync();
        var keyPath = Path.Combine(kit.Created.CertPath, "key.pem");
        var ownKey = File.ReadAllText(keyPath);
        using (var other = ECDsa.Create(ECCurve.NamedCurves.nistP256))
        {
            // What a read that straddles the CA's own renewal sees: this generation's certificate, the next one's key.
            File.WriteAllText(keyPath, other.ExportPkcs8PrivateKeyPem());
        }

        var ex = await Assert.ThrowsAsync<KoiException>(() => kit.Ca.HelloAsync(Nonce, CancellationToken.None));

        Assert.Equal(KoiErrorCode.Unavailable, ex.Code);
        Assert.Contains("do not match", ex.Message, StringComparison.Ordinal);
        File.WriteAllText(keyPath, ownKey);
        var hello = await kit.Ca.HelloAsync(Nonce, CancellationToken.None);
        var wire = JsonSerializer.Deserialize<HelloResponse>(JsonSerializer.Serialize(hello, CertmeshJsonContext.Default.Options), CertmeshJsonContext.Default.Options)!;
        Assert.Null(HelloVerifier.Problem(wire, Nonce, kit.H.Time.GetUtcNow()));
    }

    [Fact]
    public async Task Hello_OwnCertificateSwappedBeforeTheRosterRecordsIt_SignsWithWhatTheMeshPlanePresents()
    {
        await using var kit = await JoinKit.CreateAsync();
        using var presented = X509CertificateLoader.LoadCertificate(kit.Ca.MeshCertificate.Current()!.RawData);

        // The CA's own renewal swaps certs/<host>/ first and records the new fingerprint in the roster after: a hello in
        // between must not show the joiner a certificate the mesh plane's TLS does not present yet.
        var secrets = kit.Ca.Vault.RequireUnlocked("test");
        var meta = kit.Roster.Metadata;
        var (next, _) = kit.Ca.Issuer.IssueOwn(kit.Ca.Vault.CaCert!, secrets.CaKey, "stone-a", meta.DomainScope, meta.SubnetScope, meta.Policy, kit.H.Time.GetUtcNow());
        using (next)
        {
            var hello = await kit.Ca.HelloAsync(Nonce, CancellationToken.None);

            using var shown = X509Certificate2.CreateFromPem(hello.ServiceCert);
            Assert.Equal(presented.Thumbprint, shown.Thumbprint);
            Assert.Equal(presented.Thumbprint, kit.Ca.MeshCertificate.Current()!.Thumbprint);
            Assert.NotEqual(next.Thumbprint, shown.Thumbprint);
            var wire = JsonSerializer.Deserialize<HelloResponse>(JsonSerializer.Serialize(hello, CertmeshJsonContext.Default.Options), CertmeshJsonContext.Default.Options)!;
            Assert.Null(HelloVerifier.Problem(wire, Nonce, kit.H.Time.GetUtcNow()));
        }
    }

    [Fact]
    public async Task Hello_NoCa_503()
    {
        await using var h = new CertmeshHarness();
        await h.Authority.LoadAsync(CancellationToken.None);

        var ex = await Assert.ThrowsAsync<KoiException>(() => h.Authority.HelloAsync(Nonce, CancellationToken.None));

        Assert.Equal(KoiErrorCode.CaNotInitialized, ex.Code);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("short")]
    [InlineData("0123456789abcdef\n0123456789abcdef")]
    [InlineData("0123456789abcdef 0123456789abcdef")]
    public async Task Hello_BadNonce_400(string? nonce)
    {
        await using var kit = await JoinKit.CreateAsync();

        Assert.Equal(KoiErrorCode.InvalidRequest, (await Assert.ThrowsAsync<KoiException>(() => kit.Ca.HelloAsync(nonce, CancellationToken.None))).Code);
    }

    [Fact]
    public async Task Hello_NonceOf129Chars_400()
    {
        await using var kit = await JoinKit.CreateAsync();

        await Assert.ThrowsAsync<KoiException>(() => kit.Ca.HelloAsync(new string('a', CertmeshAuthority.MaxNonceChars + 1), CancellationToken.None));
        Assert.NotNull(await kit.Ca.HelloAsync(new string('a', CertmeshAuthority.MaxNonceChars), CancellationToken.None));
    }

    [Fact]
    public void HelloText_MatchesTheJoinersSignedText()
    {
        Assert.Equal(HelloVerifier.SignedText("n", "f", "h"), CertmeshAuthority.HelloText("n", "f", "h"));
    }

    [Fact]
    public void HelloProof_RecordHasNoKeyField()
    {
        Assert.DoesNotContain(typeof(HelloProof).GetProperties(), p => p.Name.Contains("Key", StringComparison.Ordinal));
        Assert.DoesNotContain(typeof(JoinIssued).GetProperties(), p => p.Name.Contains("Key", StringComparison.Ordinal));
    }
}
