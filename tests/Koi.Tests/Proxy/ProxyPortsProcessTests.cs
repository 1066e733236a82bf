using System.Diagnostics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Koi.Tests.Proxy;

/// <summary>
/// The real koi binary on port 443: two entries sharing it, reached by name with curl, inside a private network
/// namespace (nothing else on this machine sees the port); and the same command refused, with the remedy, when the
/// daemon lacks CAP_NET_BIND_SERVICE.
/// </summary>
public sealed class ProxyPortsProcessTests
{
    private static readonly string Koi = KoiProcess.BuiltBinary;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact(Timeout = 120_000)]
    public async Task ProxyAdd_TwoEntriesOn443_CurlReachesEachByName_StatusShowsTheirUrls()
    {
        Assert.SkipUnless(Environment.UserName == "root" && Exists("unshare") && Exists("curl") && Exists("python3"), "needs root (a private network namespace), curl and python3");
        using var dir = new TempDirectory();
        var data = dir.Combine("data");
        var ca = WriteCertificates(dir, data, "grafana.lan", "wiki.lan");
        foreach (var site in new[] { "grafana", "wiki" })
        {
            Directory.CreateDirectory(dir.Combine($"site-{site}"));
            await File.WriteAllTextAsync(dir.Combine($"site-{site}", "index.html"), $"{site} page", Ct);
        }

        var script = $$"""
            set -u
            ip link set lo up
            python3 -m http.server 3000 --bind 127.0.0.1 --directory '{{dir.Combine("site-grafana")}}' >/dev/null 2>&1 & G=$!
            python3 -m http.server 8080 --bind 127.0.0.1 --directory '{{dir.Combine("site-wiki")}}' >/dev/null 2>&1 & W=$!
            '{{Koi}}' daemon --no-mdns --http-bind 127.0.0.1 --http-port 5641 --data-dir '{{data}}' >'{{dir.Combine("daemon.log")}}' 2>&1 & K=$!
            trap 'kill $K $G $W 2>/dev/null; wait' EXIT
            for i in $(seq 1 150); do '{{Koi}}' status --data-dir '{{data}}' >/dev/null 2>&1 && break; sleep 0.2; done
            '{{Koi}}' proxy add grafana --listen 443 --backend http://localhost:3000 --data-dir '{{data}}' || exit 11
            '{{Koi}}' proxy add wiki --listen 443 --backend http://localhost:8080 --data-dir '{{data}}' || exit 12
            echo "grafana: $(curl -sS --fail --max-time 10 --cacert '{{ca}}' --resolve grafana.lan:443:127.0.0.1 https://grafana.lan/)"
            echo "wiki: $(curl -sS --fail --max-time 10 --cacert '{{ca}}' --resolve wiki.lan:443:127.0.0.1 https://wiki.lan/)"
            '{{Koi}}' proxy status --data-dir '{{data}}'
            """;

        var (exit, output) = await RunAsync("unshare", ["--net", "bash", "-c", script]);

        Assert.True(exit == 0, $"exit {exit}: {output}\n{ReadLog(dir)}");
        Assert.Contains("grafana: grafana page", output, StringComparison.Ordinal);
        Assert.Contains("wiki: wiki page", output, StringComparison.Ordinal);
        Assert.Contains("https://grafana.lan/", output, StringComparison.Ordinal);
        Assert.Contains("https://wiki.lan/", output, StringComparison.Ordinal);
        Assert.Contains("certificate names it: the certificate names grafana.lan", output, StringComparison.Ordinal);
    }

    [Fact(Timeout = 120_000)]
    public async Task ProxyAdd_Port443WithoutNetBindCapability_ExitsOneNamingTheRemedy_NothingAdded()
    {
        Assert.SkipUnless(Environment.UserName == "root" && Exists("setpriv"), "needs root, to start the daemon without CAP_NET_BIND_SERVICE (setpriv)");
        using var dir = new TempDirectory();
        var data = dir.Combine("data");
        WriteCertificates(dir, data, "grafana.lan");
        var port = KoiProcess.FreeTcpPort();
        await using var daemon = KoiProcess.Start("setpriv", [
            "--bounding-set=-net_bind_service", "--inh-caps=-net_bind_service", "--",
            Koi, "daemon", "--no-mdns", "--http-bind", "127.0.0.1", "--http-port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--data-dir", data]);
        for (var i = 0; i < 150 && (await KoiProcess.RunAsync(Koi, ["status", "--data-dir", data])).ExitCode != 0; i++)
        {
            await Task.Delay(200, Ct);
        }

        var add = await KoiProcess.RunAsync(Koi, ["proxy", "add", "grafana", "--listen", "127.0.0.1:443", "--backend", "http://127.0.0.1:3000", "--data-dir", data]);
        var list = await KoiProcess.RunAsync(Koi, ["proxy", "list", "--json", "--data-dir", data]);

        Assert.Equal(1, add.ExitCode);
        Assert.Contains("CAP_NET_BIND_SERVICE", add.Stderr, StringComparison.Ordinal);
        Assert.Contains("koi install", add.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, list.ExitCode);
        Assert.Equal("[]", list.Stdout.Trim());
    }

    /// <summary>A CA and a leaf for this machine naming <paramref name="names"/>, where certmesh would write them; returns the CA file.</summary>
    private static string WriteCertificates(TempDirectory dir, string data, params string[] names)
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=koi process test CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        var now = DateTimeOffset.UtcNow;
        using var caCert = caRequest.CreateSelfSigned(now.AddDays(-1), now.AddYears(1));
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=" + names[0], key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        foreach (var name in names)
        {
            san.AddDnsName(name);
        }

        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var leaf = request.Create(caCert, now.AddDays(-1), now.AddDays(30), [0x16, 0x01]);
        var certs = Path.Combine(data, "certs", System.Net.Dns.GetHostName().Split('.')[0].ToLowerInvariant());
        Directory.CreateDirectory(certs);
        File.WriteAllText(Path.Combine(certs, "fullchain.pem"), leaf.ExportCertificatePem() + "\n" + caCert.ExportCertificatePem() + "\n");
        File.WriteAllText(Path.Combine(certs, "key.pem"), key.ExportPkcs8PrivateKeyPem() + "\n");
        File.SetUnixFileMode(Path.Combine(certs, "key.pem"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var caFile = dir.Combine("ca.pem");
        File.WriteAllText(caFile, caCert.ExportCertificatePem() + "\n");
        return caFile;
    }

    private static async Task<(int Exit, string Output)> RunAsync(string tool, string[] args)
    {
        var info = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var name in new[] { "KOI_ENDPOINT", "KOI_TOKEN", "KOI_DATA_DIR", "KOI_LOG" })
        {
            info.Environment.Remove(name);
        }

        info.Environment["NO_COLOR"] = "1";
        info.Environment["COLUMNS"] = "200";
        info.Environment["KOI_CERTMESH_NO_TRUST_STORES"] = "1";
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync(Ct);
        var errors = process.StandardError.ReadToEndAsync(Ct);
        await process.WaitForExitAsync(Ct);
        return (process.ExitCode, await output + await errors);
    }

    private static string ReadLog(TempDirectory dir) =>
        File.Exists(dir.Combine("daemon.log")) ? File.ReadAllText(dir.Combine("daemon.log")) : string.Empty;

    private static bool Exists(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':').Any(d => File.Exists(Path.Combine(d, tool)));
}
