using System.Text.Json;
using Koi.Scenarios.Fixtures;
using Koi.Scenarios.Harness;

namespace Koi.Scenarios.Scenarios;

/// <summary>
/// A CA made real on one lab host: files checked with openssl, the trust it installs checked with curl and headless
/// Chromium, the lock at boot, the QR code with zbarimg, and destroy. One ordered story, as an operator lives it.
/// </summary>
public sealed class CertmeshScenarios(CertmeshFixture fixture) : LabScenarios<CertmeshFixture>(fixture)
{
    private const string Host = CertmeshFixture.Host;
    private const string Certs = $"{KoiDaemon.DataDir}/certs/{Host}";

    [Fact(Timeout = 240_000)]
    public async Task CreateVerifyTrustLockUnlockDestroy_AsAnOperatorWould()
    {
        var create = await KoiDaemon.CliAsync(Lab, Host, Ct, "certmesh", "create", "--profile", "just-me", "--passphrase-file", CertmeshFixture.PassphraseFile, "--json");
        var created = JsonDocument.Parse(create.EnsureSuccess().Stdout).RootElement;
        var fingerprint = Find(created, "ca_fingerprint")!;
        var totpUri = Find(created, "totp_uri")!;
        Assert.Matches("^[0-9a-f]{64}$", fingerprint);

        // Files: the chain verifies, the SANs name the host every way, the key is private, the CA key needs the passphrase.
        (await Run("openssl", "verify", "-CAfile", $"{Certs}/ca.pem", $"{Certs}/cert.pem")).EnsureSuccess();
        var text = (await Run("openssl", "x509", "-in", $"{Certs}/cert.pem", "-noout", "-ext", "subjectAltName")).EnsureSuccess().Stdout;
        foreach (var san in new[] { $"DNS:{Host}.local", $"DNS:{Host}.lan", $"IP Address:{Lab.AddressOf(Host)}" })
        {
            Assert.Contains(san, text, StringComparison.Ordinal);
        }

        // Under the name-constrained root a bare single label cannot be certified (docs/security.md).
        Assert.DoesNotMatch($@"DNS:{Host}(,|\s|$)", text);

        Assert.Equal("600", (await Run("stat", "-c", "%a", $"{Certs}/key.pem")).EnsureSuccess().Stdout.Trim());
        Assert.False((await Run("openssl", "pkey", "-in", $"{KoiDaemon.DataDir}/certmesh/ca/ca-key.enc", "-passin", "pass:not-the-passphrase", "-noout")).Succeeded);
        (await Run("openssl", "pkey", "-in", $"{KoiDaemon.DataDir}/certmesh/ca/ca-key.enc", "-passin", $"file:{CertmeshFixture.PassphraseFile}", "-noout")).EnsureSuccess();

        // The QR code koi hands out decodes to the same otpauth URI.
        var png = Path.Combine(Path.GetTempPath(), $"koi-qr-{Lab.Name}.png");
        await File.WriteAllBytesAsync(png, Convert.FromBase64String(Find(created, "totp_qr_png")!.Split(',')[^1]), Ct);
        var qr = await Run("zbarimg", "--quiet", "--raw", png);
        File.Delete(png);
        Assert.Equal(totpUri, qr.EnsureSuccess().Stdout.Trim());

        // Trust: a TLS server using koi's files is trusted by curl through the system store alone, and by Chromium.
        await Lab.StartBackgroundAsync(Host, "s_server", ["openssl", "s_server", "-accept", "8443", "-cert", $"{Certs}/cert.pem", "-key", $"{Certs}/key.pem", "-www"], Ct);
        var resolve = $"{Host}.lan:8443:{Lab.AddressOf(Host)}";
        var curl = await Lab.RunUntilSuccessAsync(Host, ["curl", "-sS", "--max-time", "5", "--resolve", resolve, $"https://{Host}.lan:8443/"], TimeSpan.FromSeconds(15), Ct);
        Assert.Contains("s_server", curl.Stdout, StringComparison.Ordinal);
        var chromium = await Lab.RunAsync(
            Host,
            ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
             $"--host-resolver-rules=MAP {Host}.lan {Lab.AddressOf(Host)}", "--dump-dom", $"https://{Host}.lan:8443/"],
            TimeSpan.FromSeconds(60),
            Ct);
        Assert.Contains("s_server", chromium.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("not private", chromium.Stdout, StringComparison.OrdinalIgnoreCase);

        // The other capabilities see the mesh: DNS names the member from its certificate, and a health check of the
        // certmesh-served endpoint is up with no extra flags.
        (await KoiDaemon.CliAsync(Lab, Host, Ct, "dns", "serve", "--port", "53", "--upstream", "10.77.0.99")).EnsureSuccess();
        var named = await Lab.RunUntilSuccessAsync(Host, ["sh", "-c", $"dig +short @127.0.0.1 {Host}.lan A | grep -Fx {Lab.AddressOf(Host)}"], TimeSpan.FromSeconds(15), Ct);
        Assert.Equal(Lab.AddressOf(Host), named.Stdout.Trim());
        (await KoiDaemon.CliAsync(Lab, Host, Ct, "health", "add", "tls", "--http", $"https://{Host}.lan:8443/", "--interval", "2s", "--timeout", "2s")).EnsureSuccess();
        await Poll.UntilAsync(
            async () => JsonDocument.Parse((await KoiDaemon.CliAsync(Lab, Host, Ct, "health", "status", "--json")).EnsureSuccess().Stdout).RootElement
                .GetProperty("services").EnumerateArray()
                .Any(s => s.GetProperty("name").GetString() == "tls" && s.GetProperty("state").GetString() == "up"),
            TimeSpan.FromSeconds(20),
            "the HTTPS health check of the certmesh-served endpoint to be up",
            Ct);
        await Poll.UntilAsync(
            async () => JsonDocument.Parse((await KoiDaemon.CliAsync(Lab, Host, Ct, "health", "status", "--json")).EnsureSuccess().Stdout).RootElement
                .GetProperty("machines").EnumerateArray()
                .Any(m => m.GetProperty("name").GetString() == Host
                    && m.TryGetProperty("cert", out var cert) && cert.ValueKind == JsonValueKind.Object && cert.GetProperty("chain_valid").GetBoolean()
                    && m.TryGetProperty("dns", out var dns) && dns.ValueKind == JsonValueKind.Object && dns.GetProperty("resolves").GetBoolean()),
            TimeSpan.FromSeconds(20),
            "machine health to show the member's certificate (from certmesh) and its .lan name resolving (from DNS)",
            Ct);

        // Locked at boot: signing answers 503 ca_locked until unlock.
        await RestartDaemonAsync();
        var locked = await KoiDaemon.CliAsync(Lab, Host, Ct, "certmesh", "rotate-totp", "--json");
        Assert.Equal(1, locked.ExitCode);
        Assert.Equal("ca_locked", JsonDocument.Parse(locked.Stdout).RootElement.GetProperty("error").GetString());
        (await Lab.RunAsync(Host, ["sh", "-c", $"env KOI_DATA_DIR={KoiDaemon.DataDir} {KoiDaemon.Binary} certmesh unlock --passphrase-stdin < {CertmeshFixture.PassphraseFile}"], Ct)).EnsureSuccess();
        (await KoiDaemon.CliAsync(Lab, Host, Ct, "certmesh", "rotate-totp", "--json")).EnsureSuccess();

        // Destroy removes the CA state and the trust entries koi added.
        var storeFile = $"/usr/local/share/ca-certificates/koi-{fingerprint[..8]}.crt";
        (await Run("test", "-f", storeFile)).EnsureSuccess();
        (await KoiDaemon.CliAsync(Lab, Host, Ct, "certmesh", "destroy", "--yes")).EnsureSuccess();
        Assert.False((await Run("test", "-e", storeFile)).Succeeded);
        Assert.False((await Run("test", "-e", $"{KoiDaemon.DataDir}/certmesh/ca")).Succeeded);
        var status = await KoiDaemon.CliAsync(Lab, Host, Ct, "certmesh", "status", "--json");
        Assert.Contains("\"initialized\": false", status.EnsureSuccess().Stdout, StringComparison.Ordinal);
    }

    private Task<LabCommandResult> Run(params string[] command) => Lab.RunAsync(Host, command, Ct);

    private async Task RestartDaemonAsync()
    {
        var running = Lab.Started.Single(p => p.Host == Host && p.Name == "koi" && p.IsRunning);
        await Lab.StopAsync(running, Ct);
        await KoiDaemon.StartAsync(Lab, Host, Ct);
    }

    private static string? Find(JsonElement element, string name)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in element.EnumerateObject())
            {
                if (property.Name == name && property.Value.ValueKind == JsonValueKind.String)
                {
                    return property.Value.GetString();
                }

                if (Find(property.Value, name) is { } nested)
                {
                    return nested;
                }
            }
        }

        return null;
    }
}
