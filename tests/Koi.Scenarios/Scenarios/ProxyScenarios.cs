using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Koi.Scenarios.Fixtures;
using Koi.Scenarios.Harness;

namespace Koi.Scenarios.Scenarios;

/// <summary>
/// The proxy end to end (issue 9): stone-b creates a mesh and puts HTTPS in front of a plain python
/// http.server on its loopback; stone-a joins the mesh and reaches https://stone-b.lan:8443 with curl through its
/// system trust store alone and with headless Chromium; a certificate swapped under a running transfer; the backend
/// rule; a port taken by another program; a backend that stops (and health showing the proxy down). One ordered
/// story, as an operator lives it.
/// </summary>
public sealed partial class ProxyScenarios(ProxyFixture fixture) : LabScenarios<ProxyFixture>(fixture)
{
    private const string A = ProxyFixture.Client;
    private const string B = ProxyFixture.Server;
    private const string Page = "koi proxy lab page";
    private const int BigBytes = 16 * 1024 * 1024;

    [Fact(Timeout = 420_000)]
    public async Task ServeOverHttps_ReloadCertificate_RefuseAndReportFailures_AsAnOperatorWould()
    {
        var site = $"/tmp/koi-proxy-{Lab.Name}";
        var url = $"https://{B}.lan:8443";
        var resolve = $"{B}.lan:8443:{Lab.AddressOf(B)}";
        try
        {
            // B: a mesh, a plain-HTTP service on its loopback, and the proxy in front of it.
            var secret = await CreateCaAsync();
            (await Lab.RunAsync(B, ["sh", "-c", $"mkdir -p {site} && echo '<html><body><h1>{Page}</h1></body></html>' > {site}/index.html && head -c {BigBytes} /dev/urandom > {site}/big.bin"], Ct)).EnsureSuccess();
            var backend = await StartBackendAsync(site);
            var added = Json((await Koi(B, "proxy", "add", "grafana", "--listen", "8443", "--backend", "http://localhost:3000", "--json")).EnsureSuccess().Stdout);
            Assert.Equal("listening", added.GetProperty("state").GetString());
            Assert.Equal($"{KoiDaemon.DataDir}/certs/{B}", added.GetProperty("certificate").GetProperty("path").GetString());

            // A joins B's mesh; from then on A's own trust stores vouch for B.
            await JoinMeshAsync(secret);
            var page = await Lab.RunUntilSuccessAsync(A, ["curl", "-sS", "--fail", "--max-time", "5", "--resolve", resolve, $"{url}/"], TimeSpan.FromSeconds(15), Ct);
            Assert.Contains(Page, page.Stdout, StringComparison.Ordinal);
            await AssertChromiumOpensAsync(url);

            // A long transfer runs while the certificate files are replaced (a new serial, signed by the mesh CA, swapped
            // in as certmesh writes its files): new handshakes see the new serial, the transfer completes intact.
            var oldSerial = await SerialSeenByAsync(A);
            var transfer = await Lab.StartBackgroundAsync(A, "long-transfer", ["sh", "-c",
                $"curl -sS --fail --limit-rate 2M --resolve {resolve} -o {site}/big.out {url}/big.bin; echo $? > {site}/big.rc"], Ct);
            await Poll.UntilAsync(async () => (await Lab.RunAsync(A, ["sh", "-c", $"test $(stat -c %s {site}/big.out 2>/dev/null || echo 0) -gt 1000000"], Ct)).Succeeded, TimeSpan.FromSeconds(15), "the long transfer to be under way", Ct);
            await ReissueCertificateAsync(serial: "5eed0001");
            await Poll.UntilAsync(async () => await SerialSeenByAsync(A) == "5EED0001", TimeSpan.FromSeconds(15), "a new handshake to present the new serial", Ct);
            Assert.NotEqual("5EED0001", oldSerial);
            Assert.False((await Lab.RunAsync(A, ["test", "-e", $"{site}/big.rc"], Ct)).Succeeded, "the transfer ended before the new certificate was seen");
            await Poll.UntilAsync(() => Task.FromResult(!transfer.IsRunning), TimeSpan.FromSeconds(30), "the long transfer to finish", Ct);
            Assert.Equal("0", (await Lab.RunAsync(A, ["cat", $"{site}/big.rc"], Ct)).EnsureSuccess().Stdout.Trim());
            var sums = (await Lab.RunAsync(A, ["sh", "-c", $"sha256sum {site}/big.bin {site}/big.out | cut -d' ' -f1 | uniq | wc -l"], Ct)).EnsureSuccess().Stdout.Trim();
            Assert.Equal("1", sums);
            var reloaded = Entry(await StatusAsync(), "grafana");
            Assert.Equal("5eed0001", reloaded.GetProperty("certificate").GetProperty("serial").GetString());
            Assert.True(reloaded.GetProperty("bytes_out").GetInt64() >= BigBytes);

            // The backend rule: a backend off this machine needs --backend-remote; refused with exit 2, HTTP 400.
            var remote = await Koi(B, "proxy", "add", "lan", "--listen", "8444", "--backend", $"http://{Lab.AddressOf(A)}:3000", "--json");
            Assert.Equal(2, remote.ExitCode);
            Assert.Equal("invalid_request", Json(remote.Stdout).GetProperty("error").GetString());
            Assert.Contains("--backend-remote", Json(remote.Stdout).GetProperty("message").GetString(), StringComparison.Ordinal);
            Assert.Equal("400", await PostEntryStatusCodeAsync("""{"name":"lan","listen":8444,"backend":"http://10.77.0.11:3000"}"""));
            Assert.DoesNotContain("\"lan\"", (await Koi(B, "proxy", "list", "--json")).EnsureSuccess().Stdout, StringComparison.Ordinal);

            // A port another program holds: refused at add (exit 1, the bind error) ...
            var clash = await Koi(B, "proxy", "add", "clash", "--listen", KoiDaemon.HttpPort.ToString(CultureInfo.InvariantCulture), "--backend", "http://localhost:3000", "--json");
            Assert.Equal(1, clash.ExitCode);
            Assert.Contains("address already in use", Json(clash.Stdout).GetProperty("message").GetString(), StringComparison.Ordinal);

            // ... and for a saved entry whose port is taken while the daemon is down, status shows the bind error until
            // the port is free again. The entries come back with the daemon.
            (await Koi(B, "proxy", "add", "spare", "--listen", "9443", "--backend", "http://localhost:3000")).EnsureSuccess();
            var squatter = await StopDaemonThenAsync(() => Lab.StartBackgroundAsync(B, "squatter", ["python3", "-m", "http.server", "9443", "--bind", "0.0.0.0", "--directory", site], Ct));
            await Lab.RunUntilSuccessAsync(B, ["curl", "-sf", "-o", "/dev/null", "http://127.0.0.1:9443/"], TimeSpan.FromSeconds(10), Ct);
            await KoiDaemon.StartAsync(Lab, B, Ct);
            var spare = await WaitForEntryAsync("spare", e => e.GetProperty("state").GetString() == "failed", "the spare entry to report its port taken");
            Assert.Equal("cannot listen on :9443: address already in use (another program holds the port)", spare.GetProperty("detail").GetString());
            var proxyCapability = Json((await Koi(B, "status", "--json")).EnsureSuccess().Stdout).GetProperty("capabilities").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "proxy");
            Assert.Equal("failed", proxyCapability.GetProperty("state").GetString());
            Assert.Contains("spare: cannot listen on :9443", proxyCapability.GetProperty("reason").GetString(), StringComparison.Ordinal);
            Assert.Contains("✗ failed: cannot listen on :9443: address already in use", (await Koi(B, "proxy", "status")).EnsureSuccess().Stdout, StringComparison.Ordinal);
            await WaitForEntryAsync("grafana", e => e.GetProperty("state").GetString() == "listening", "grafana to listen again after the restart");
            await Lab.StopAsync(squatter, Ct);
            await WaitForEntryAsync("spare", e => e.GetProperty("state").GetString() == "listening", "the spare entry to bind once the port is free");

            // The backend stops: a client is closed at once, and status says why and counts it.
            await Lab.StopAsync(backend, Ct);
            var watch = Stopwatch.StartNew();
            var refused = await Lab.RunAsync(A, ["curl", "-sS", "--max-time", "10", "--resolve", resolve, $"{url}/"], Ct);
            watch.Stop();
            Assert.NotEqual(0, refused.ExitCode);
            Assert.DoesNotContain("Operation timed out", refused.Stderr, StringComparison.Ordinal);
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3), $"the client waited {watch.Elapsed.TotalMilliseconds:0} ms (including starting curl in the lab)");
            var down = await WaitForEntryAsync("grafana", e => e.GetProperty("backend_state").GetString() == "unreachable", "grafana's backend to show unreachable");
            Assert.True(down.GetProperty("backend_failures").GetInt64() >= 1);
            Assert.Contains("connection refused", down.GetProperty("backend_detail").GetString(), StringComparison.Ordinal);
            Assert.Contains("connection refused", down.GetProperty("last_error").GetString(), StringComparison.Ordinal);
            Assert.Contains("backend ✗ http://localhost:3000", (await Koi(B, "proxy", "status")).EnsureSuccess().Stdout, StringComparison.Ordinal);

            // Health reads the proxy's own verdict (IProxyFacts): grafana down with the backend's error, one transition.
            var unhealthy = await WaitForHealthProxyAsync("grafana", "down");
            Assert.Contains("connection refused", unhealthy.GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.True(unhealthy.GetProperty("backend_failures").GetInt64() >= 1);
            var transitions = Json((await Koi(B, "health", "log", "--json")).EnsureSuccess().Stdout).EnumerateArray()
                .Where(t => t.GetProperty("subject").GetString() == "grafana" && t.GetProperty("to").GetString() == "down").ToList();
            Assert.Contains("proxy: backend http://localhost:3000: connection refused", Assert.Single(transitions).GetProperty("reason").GetString(), StringComparison.Ordinal);

            (await Koi(B, "proxy", "remove", "spare")).EnsureSuccess();
            Assert.False((await Lab.RunAsync(A, ["curl", "-s", "--max-time", "3", "--resolve", $"{B}.lan:9443:{Lab.AddressOf(B)}", $"https://{B}.lan:9443/"], Ct)).Succeeded);
        }
        finally
        {
            await Lab.RunAsync(B, ["rm", "-rf", site], Ct);
        }
    }

    private async Task<string> CreateCaAsync()
    {
        var create = await Koi(B, "certmesh", "create", "--profile", "just-me", "--passphrase-file", ProxyFixture.PassphraseFile, "--json");
        var created = Json(create.EnsureSuccess().Stdout);
        var secret = SecretPattern().Match(Find(created, "totp_uri")!).Groups[1].Value;
        Assert.NotEmpty(secret);
        return secret;
    }

    /// <summary>A joins B's mesh with a current code: A's system store and NSS database then trust B's CA.</summary>
    private async Task JoinMeshAsync(string secret)
    {
        var code = (await Lab.RunAsync(B, ["oathtool", "--totp", "-b", secret], Ct)).EnsureSuccess().Stdout.Trim();
        var join = await Koi(A, "certmesh", "join", $"http://{Lab.AddressOf(B)}:{KoiDaemon.HttpPort}", "--code", code, "--json");
        Assert.Equal("enrolled", Json(join.EnsureSuccess().Stdout).GetProperty("status").GetString());
    }

    private async Task<LabProcess> StartBackendAsync(string site)
    {
        var backend = await Lab.StartBackgroundAsync(B, "site", ["python3", "-m", "http.server", "3000", "--bind", "127.0.0.1", "--directory", site], Ct);
        await Lab.RunUntilSuccessAsync(B, ["curl", "-sf", "-o", "/dev/null", "http://127.0.0.1:3000/"], TimeSpan.FromSeconds(10), Ct);
        return backend;
    }

    /// <summary>Headless Chromium on A with A's own NSS database: the page, no interstitial, and a screenshot.</summary>
    private async Task AssertChromiumOpensAsync(string url)
    {
        string[] chromium = ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", $"--host-resolver-rules=MAP {B}.lan {Lab.AddressOf(B)}"];
        var dom = await Lab.RunAsync(A, [.. chromium, "--dump-dom", $"{url}/"], TimeSpan.FromSeconds(60), Ct);
        Assert.Contains(Page, dom.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("not private", dom.Stdout, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("ERR_CERT", dom.Stdout, StringComparison.Ordinal);

        var shot = $"/tmp/koi-proxy-{Lab.Name}/chromium.png";
        (await Lab.RunAsync(A, [.. chromium, "--window-size=900,500", $"--screenshot={shot}", $"{url}/"], TimeSpan.FromSeconds(60), Ct)).EnsureSuccess();
        var png = await File.ReadAllBytesAsync(shot, Ct);
        Assert.True(png.Length > 1000 && png[1] == (byte)'P' && png[2] == (byte)'N' && png[3] == (byte)'G', "chromium wrote no PNG");
        Directory.CreateDirectory(Path.Combine(Lab.LogsDirectory, A));
        await File.WriteAllBytesAsync(Path.Combine(Lab.LogsDirectory, A, "proxy-chromium.png"), png, Ct);
    }

    /// <summary>The serial a fresh TLS handshake with B's proxy presents, as openssl on A sees it (upper-case hex).</summary>
    private async Task<string> SerialSeenByAsync(string host)
    {
        var result = await Lab.RunAsync(host, ["sh", "-c",
            $"openssl s_client -connect {Lab.AddressOf(B)}:8443 -servername {B}.lan -verify_return_error </dev/null 2>/dev/null | openssl x509 -noout -serial"], Ct);
        return result.Stdout.Trim().Replace("serial=", string.Empty, StringComparison.Ordinal);
    }

    /// <summary>
    /// A new service certificate for B, signed by the mesh CA with openssl, written as certmesh writes its files: a
    /// staged sibling directory renamed over <c>certs/stone-b</c>.
    /// </summary>
    private async Task ReissueCertificateAsync(string serial)
    {
        var certs = $"{KoiDaemon.DataDir}/certs";
        var script = string.Join('\n',
            "set -e",
            "w=$(mktemp -d); umask 077",
            $"openssl pkey -in {KoiDaemon.DataDir}/certmesh/ca/ca-key.enc -passin file:{ProxyFixture.PassphraseFile} -out $w/ca.key",
            $"openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout $w/key.pem -subj /CN={B} -out $w/req.csr 2>/dev/null",
            $"printf 'subjectAltName=DNS:{B}.local,DNS:{B}.lan,IP:{Lab.AddressOf(B)}\\nextendedKeyUsage=serverAuth,clientAuth\\nkeyUsage=critical,digitalSignature\\n' > $w/ext",
            $"openssl x509 -req -in $w/req.csr -CA {certs}/{B}/ca.pem -CAkey $w/ca.key -set_serial 0x{serial} -days 30 -extfile $w/ext -out $w/cert.pem 2>/dev/null",
            $"n={certs}/.{B}.reissue.new; mkdir $n",
            $"cp $w/key.pem $w/cert.pem {certs}/{B}/ca.pem $n/ && cat $w/cert.pem {certs}/{B}/ca.pem > $n/fullchain.pem",
            $"mv {certs}/{B} {certs}/.{B}.reissue.old && mv $n {certs}/{B} && rm -rf {certs}/.{B}.reissue.old $w");
        (await Lab.RunAsync(B, ["sh", "-c", script], Ct)).EnsureSuccess();
    }

    private async Task<string> PostEntryStatusCodeAsync(string body)
    {
        var script = $"t=$(python3 -c 'import json;print(json.load(open(\"{KoiDaemon.DataDir}/daemon.json\"))[\"token\"])'); " +
            $"curl -s -o /dev/null -w '%{{http_code}}' -H \"x-koi-token: $t\" -H 'content-type: application/json' -d '{body}' http://127.0.0.1:{KoiDaemon.HttpPort}/v1/proxy/entries";
        return (await Lab.RunAsync(B, ["sh", "-c", script], Ct)).EnsureSuccess().Stdout.Trim();
    }

    private async Task<T> StopDaemonThenAsync<T>(Func<Task<T>> whileDown)
    {
        var running = Lab.Started.Last(p => p.Host == B && p.Name == "koi" && p.IsRunning);
        await Lab.StopAsync(running, Ct);
        return await whileDown();
    }

    private async Task<JsonElement> StatusAsync() => Json((await Koi(B, "proxy", "status", "--json")).EnsureSuccess().Stdout);

    private async Task<JsonElement> WaitForEntryAsync(string name, Func<JsonElement, bool> condition, string what)
    {
        JsonElement found = default;
        await Poll.UntilAsync(
            async () =>
            {
                var status = await Koi(B, "proxy", "status", "--json");
                if (!status.Succeeded)
                {
                    return false;
                }

                var entries = Json(status.Stdout).GetProperty("entries").EnumerateArray().Where(e => e.GetProperty("name").GetString() == name).ToList();
                if (entries.Count == 1 && condition(entries[0]))
                {
                    found = entries[0].Clone();
                    return true;
                }

                return false;
            },
            TimeSpan.FromSeconds(30),
            what,
            Ct);
        return found;
    }

    /// <summary>The proxy entry as <c>GET /v1/health/status</c> shows it, once it is in <paramref name="state"/>.</summary>
    private async Task<JsonElement> WaitForHealthProxyAsync(string name, string state)
    {
        JsonElement found = default;
        await Poll.UntilAsync(
            async () =>
            {
                var status = await Lab.RunAsync(B, KoiDaemon.Curl("/v1/health/status", "-sf", "--max-time", "5"), Ct);
                if (!status.Succeeded)
                {
                    return false;
                }

                var proxies = Json(status.Stdout).GetProperty("proxies").EnumerateArray().Where(p => p.GetProperty("name").GetString() == name).ToList();
                if (proxies.Count == 1 && proxies[0].GetProperty("state").GetString() == state)
                {
                    found = proxies[0].Clone();
                    return true;
                }

                return false;
            },
            TimeSpan.FromSeconds(30),
            $"health to show proxy {name} {state}",
            Ct);
        return found;
    }

    private static JsonElement Entry(JsonElement status, string name) =>
        status.GetProperty("entries").EnumerateArray().Single(e => e.GetProperty("name").GetString() == name);

    private Task<LabCommandResult> Koi(string host, params string[] arguments) => KoiDaemon.CliAsync(Lab, host, Ct, arguments);

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement.Clone();

    private static string? Find(JsonElement element, string name)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in element.EnumerateObject())
            {
                if (property.NameEquals(name) && property.Value.ValueKind == JsonValueKind.String)
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

    [GeneratedRegex("secret=([A-Z2-7]+)")]
    private static partial Regex SecretPattern();
}
