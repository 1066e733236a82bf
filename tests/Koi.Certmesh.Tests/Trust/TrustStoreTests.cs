using Koi.Certmesh.Trust;
using Koi.Testing;

namespace Koi.Certmesh.Tests.Trust;

/// <summary>Only temp directories and a temp NSS database: the machine's own trust store is never touched.</summary>
public sealed class TrustStoreTests
{
    [Fact]
    public async Task NssStore_InstallStatusRemove_WithRealCertutilOnTempDatabase()
    {
        Assert.True(Tool.Exists("certutil"), "certutil must be installed (libnss3-tools)");
        using var temp = new TempDirectory();
        var db = temp.Combine("nssdb");
        Directory.CreateDirectory(db);
        var (exit, _, stderr) = Tool.Run("certutil", "-N", "-d", $"sql:{db}", "--empty-password");
        Assert.True(exit == 0, stderr);

        await using var h = new CertmeshHarness(trustStores: [new NssTrustStore(db)]);
        var created = await h.CreateAsync();
        Assert.Equal(TrustState.Installed, Assert.Single(created.Trust).State);

        var (listExit, listed, _) = Tool.Run("certutil", "-L", "-d", $"sql:{db}");
        Assert.Equal(0, listExit);
        Assert.Contains($"koi certmesh {created.CaFingerprint[..8]}", listed);
        Assert.Contains("C,,", listed);
        Assert.Equal(TrustState.Installed, (await h.Authority.TrustStatusAsync(CancellationToken.None)).Single().State);

        var removed = await h.Authority.RemoveTrustAsync(CancellationToken.None);
        Assert.Equal(TrustState.Removed, removed.Single().State);
        Assert.Equal(TrustState.Missing, (await h.Authority.TrustStatusAsync(CancellationToken.None)).Single().State);
        Assert.Contains(await h.Authority.StatusAsync(CancellationToken.None) is { } s ? s.Warnings : [], w => w.Contains("trust store nss:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SystemStore_UnwritableAnchors_FailureShownInStatusAndAudited()
    {
        using var temp = new TempDirectory();
        var blocker = temp.Combine("not-a-dir");
        File.WriteAllText(blocker, "a file where the anchors directory should be");
        await using var h = new CertmeshHarness(trustStores: [new SystemTrustStore(Path.Combine(blocker, "anchors"), null)]);
        var created = await h.CreateAsync();

        Assert.Equal(TrustState.Failed, created.Trust.Single().State);
        Assert.Contains("trust_install_failed", h.AuditEvents());
        var status = await h.Authority.StatusAsync(CancellationToken.None);
        Assert.Contains(status.Warnings, w => w.StartsWith("trust store system", StringComparison.Ordinal) && w.Contains("remedy", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SystemStore_UpdateCommandFails_ReportedFailed()
    {
        using var temp = new TempDirectory();
        var store = new SystemTrustStore(temp.Combine("anchors"), ["false"]);
        var result = await store.InstallAsync("-----BEGIN CERTIFICATE-----\n", new string('a', 64), CancellationToken.None);
        Assert.Equal(TrustState.Failed, result.State);
        Assert.NotNull(result.Remedy);
    }

    [Fact]
    public void NssDatabases_HomeWithChromiumAndFirefox_FindsBoth()
    {
        using var temp = new TempDirectory();
        Directory.CreateDirectory(temp.Combine(".pki", "nssdb"));
        File.WriteAllText(temp.Combine(".pki", "nssdb", "cert9.db"), string.Empty);
        Directory.CreateDirectory(temp.Combine(".mozilla", "firefox", "abc.default"));
        File.WriteAllText(temp.Combine(".mozilla", "firefox", "abc.default", "cert9.db"), string.Empty);
        Directory.CreateDirectory(temp.Combine(".mozilla", "firefox", "Crash Reports"));
        Assert.Equal(2, TrustStoreLocator.NssDatabases(temp.Path).Count());
    }
}
