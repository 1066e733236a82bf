using System.Diagnostics;

namespace Koi.Certmesh.Tests.MeshPlane;

/// <summary>The TLS the CA's mesh plane offers: the same AEAD-only policy as every koi server port (docs/security.md).</summary>
public sealed class MeshPlaneTlsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Handshake_Tls12CbcSuite_RefusedAeadSuiteAccepted()
    {
        Assert.SkipUnless(Tool.Exists("openssl"), "needs openssl");
        await using var kit = await MeshKit.StartAsync();
        var target = $"127.0.0.1:{kit.Plane.Port}";

        var cbc = Tool.Run("openssl", "s_client", "-connect", target, "-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-SHA");
        var gcm = Tool.Run("openssl", "s_client", "-connect", target, "-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256");

        Assert.NotEqual(0, cbc.ExitCode);
        Assert.Equal(0, gcm.ExitCode);
        Assert.Contains("ECDHE-ECDSA-AES128-GCM-SHA256", gcm.Stdout, StringComparison.Ordinal);
    }

    [Fact(Timeout = 300_000)]
    public async Task Testssl_ProtocolsCiphersAndVulnerabilities_NothingNotOkOrVulnerableBeyondThePrivateRoot()
    {
        Assert.SkipUnless(Tool.Exists("testssl"), "needs testssl.sh (scripts/install-test-deps.sh)");
        await using var kit = await MeshKit.StartAsync();

        // -p protocols, -s cipher categories, -U every vulnerability check (LUCKY13, BEAST, POODLE, SWEET32, ROBOT …);
        // no certificate checks beyond those: the mesh CA is a private root no scanner knows.
        var start = new ProcessStartInfo("testssl") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var argument in new[] { "--quiet", "--color", "0", "--warnings", "off", "--ip", "one", "--fast", "--connect-timeout", "10", "--openssl-timeout", "10", "-p", "-s", "-U", $"localhost:{kit.Plane.Port}" })
        {
            start.ArgumentList.Add(argument);
        }

        using var testssl = Process.Start(start)!;
        testssl.StandardInput.Close();
        var errors = testssl.StandardError.ReadToEndAsync(Ct);
        var output = await testssl.StandardOutput.ReadToEndAsync(Ct);
        await testssl.WaitForExitAsync(Ct);

        var lines = output.Split('\n').Select(l => l.Trim()).ToList();
        Assert.Contains(lines, l => l.StartsWith("LUCKY13", StringComparison.Ordinal) && l.Contains("not vulnerable", StringComparison.Ordinal));
        var bad = lines.Where(l => (l.Contains("NOT ok", StringComparison.Ordinal) || l.Contains("VULNERABLE", StringComparison.Ordinal))
                                   && !l.Contains("not vulnerable", StringComparison.OrdinalIgnoreCase)).ToList();
        Assert.True(bad.Count == 0, $"testssl flagged:\n{string.Join('\n', bad)}\n--- full output ---\n{output}\n{await errors}");
    }
}
