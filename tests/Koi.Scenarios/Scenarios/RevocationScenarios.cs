using System.Text.Json;
using System.Text.RegularExpressions;
using Koi.Scenarios.Fixtures;
using Koi.Scenarios.Harness;

namespace Koi.Scenarios.Scenarios;

/// <summary>
/// Revocation that bites: A revokes B, and within one CA check interval (here: at once, by the nudge) B's certificate
/// is refused at the handshake by C's members-only proxy entry and by nginx reading the CRL koi keeps, while B's own
/// status says it was revoked; then an on-path attacker replays the older bundle to C, which rejects it.
/// </summary>
public sealed partial class RevocationScenarios(RevocationFixture fixture) : LabScenarios<RevocationFixture>(fixture)
{
    private const string A = RevocationFixture.Ca;
    private const string B = RevocationFixture.Revoked;
    private const string C = RevocationFixture.Server;
    private const string Page = "members only";
    private const string NginxConf = "/tmp/koi-revoke-nginx/nginx.conf";
    private const string OldBundle = "/tmp/koi-revoke-bundle-1.json";
    private const string Impostor = "/tmp/koi-revoke-impostor.py";
    private const string ImpostorServed = "/tmp/koi-revoke-impostor-served";
    private const int ImpostorPort = 15641;

    /// <summary>A forwarding HTTP server that swaps the bundle it holds into answers for /v1/certmesh/bundle.</summary>
    private const string ImpostorScript = """
        import http.server, sys, urllib.error, urllib.request
        old, upstream, port, served = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
        count = 0
        class Handler(http.server.BaseHTTPRequestHandler):
            def body(self):
                if "chunked" in (self.headers.get("Transfer-Encoding") or ""):
                    data = b""
                    while (size := int(self.rfile.readline().split(b";")[0], 16)) > 0:
                        data += self.rfile.read(size)
                        self.rfile.readline()
                    self.rfile.readline()
                    return data
                length = int(self.headers.get("Content-Length") or 0)
                return self.rfile.read(length) if length else None
            def relay(self):
                global count
                if self.path == "/v1/certmesh/bundle":
                    body, code, kind = open(old, "rb").read(), 200, "application/json"
                    count += 1
                    open(served, "w").write(str(count))
                else:
                    request = urllib.request.Request(upstream + self.path, data=self.body(), method=self.command,
                                                     headers={k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection", "content-length", "transfer-encoding")})
                    try:
                        with urllib.request.urlopen(request, timeout=10) as answer:
                            body, code, kind = answer.read(), answer.status, answer.headers.get("Content-Type", "application/json")
                    except urllib.error.HTTPError as error:
                        body, code, kind = error.read(), error.code, error.headers.get("Content-Type", "application/json")
                self.send_response(code)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            do_GET = do_POST = relay
        http.server.ThreadingHTTPServer(("0.0.0.0", port), Handler).serve_forever()
        """;

    [Fact(Timeout = 540_000)]
    public async Task RevokeB_ProxyMeshAndNginxSslCrlRefuseB_AndBSaysItIsRevoked()
    {
        var create = await Koi(A, "certmesh", "create", "--profile", "just-me", "--passphrase-file", RevocationFixture.PassphraseFile, "--json");
        var secret = SecretPattern().Match(create.EnsureSuccess().Stdout).Groups[1].Value;
        Assert.NotEmpty(secret);
        await JoinAsync(B, secret);
        await Task.Delay(TimeSpan.FromSeconds(31), Ct); // the next TOTP step: a code is accepted once
        await JoinAsync(C, secret);
        await Poll.UntilAsync(async () => BundleSequence(await StatusAsync(C)) == 1, TimeSpan.FromSeconds(30), "C to fetch trust bundle 1 right after joining", Ct);

        // C serves a backend to mesh members only, through koi's proxy and through nginx with ssl_crl.
        var site = $"/tmp/koi-revoke-site-{Lab.Name}";
        (await Lab.RunAsync(C, ["sh", "-c", $"mkdir -p {site} && printf '{Page}' > {site}/index.html"], Ct)).EnsureSuccess();
        await Lab.StartBackgroundAsync(C, "site", ["python3", "-m", "http.server", "3000", "--bind", "127.0.0.1", "--directory", site], Ct);
        await Lab.RunUntilSuccessAsync(C, ["curl", "-sf", "-o", "/dev/null", "http://127.0.0.1:3000/"], TimeSpan.FromSeconds(10), Ct);
        (await Koi(C, "proxy", "add", "grafana", "--listen", "8443", "--backend", "http://127.0.0.1:3000", "--clients", "mesh")).EnsureSuccess();
        await StartNginxAsync();

        Assert.Equal(Page, (await ProxyAsAsync(B)).Stdout);
        Assert.Equal("200", (await NginxAsAsync(B)).Stdout.Trim());
        Assert.Equal("400", (await Lab.RunAsync(B, ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", Cert(B, "ca.pem"), "--resolve", $"{C}.lan:9443:{Lab.AddressOf(C)}", $"https://{C}.lan:9443/"], Ct)).Stdout.Trim());

        // What an on-path attacker can record before the revocation: bundle 1, validly signed, not listing B.
        (await Lab.RunAsync(A, ["curl", "-sSf", "-o", OldBundle, $"http://{Lab.AddressOf(A)}:{KoiDaemon.HttpPort}/v1/certmesh/bundle"], Ct)).EnsureSuccess();
        (await Koi(A, "certmesh", "revoke", B, "--reason", "lab: laptop stolen", "--yes")).EnsureSuccess();

        // The CA nudges its members; C applies bundle 2 and B learns it is revoked, well inside one check interval.
        await Poll.UntilAsync(async () => BundleSequence(await StatusAsync(C)) == 2, TimeSpan.FromSeconds(60), "C to apply trust bundle 2", Ct);
        await Poll.UntilAsync(async () => Warnings(await StatusAsync(B)).Any(w => w.Contains("REVOKED", StringComparison.Ordinal)), TimeSpan.FromSeconds(60), "B to learn it is revoked", Ct);
        var components = (await Koi(B, "status")).EnsureSuccess().Stdout;
        Assert.Contains("trust_bundle", components, StringComparison.Ordinal);
        Assert.Contains("revoked", components, StringComparison.Ordinal);

        // C's proxy refuses B at the handshake; C itself (an active member) still gets in.
        var refused = await ProxyAsAsync(B);
        Assert.NotEqual(0, refused.ExitCode);
        Assert.DoesNotContain(Page, refused.Stdout, StringComparison.Ordinal);
        Assert.Equal(Page, (await ProxyAsAsync(C)).Stdout);
        var proxy = JsonDocument.Parse((await Koi(C, "proxy", "status", "--json")).EnsureSuccess().Stdout).RootElement;
        Assert.True(proxy.GetProperty("entries")[0].GetProperty("clients_refused").GetInt64() >= 1);

        // nginx reads the CRL koi keeps in C's data dir: after a reload it refuses B's certificate, admits C's.
        var crl = (await Lab.RunAsync(C, ["openssl", "crl", "-in", $"{KoiDaemon.DataDir}/certmesh/crl.pem", "-noout", "-text"], Ct)).EnsureSuccess().Stdout;
        var serialB = (await Lab.RunAsync(B, ["openssl", "x509", "-in", Cert(B, "cert.pem"), "-noout", "-serial"], Ct)).EnsureSuccess().Stdout.Trim().Replace("serial=", string.Empty, StringComparison.Ordinal);
        Assert.Contains(serialB, crl.Replace(":", string.Empty, StringComparison.Ordinal).ToUpperInvariant(), StringComparison.Ordinal);
        (await Lab.RunAsync(C, ["nginx", "-c", NginxConf, "-s", "reload"], Ct)).EnsureSuccess();
        await Poll.UntilAsync(async () => (await NginxAsAsync(B)).Stdout.Trim() == "400", TimeSpan.FromSeconds(20), "nginx to refuse B's revoked certificate", Ct);
        Assert.Equal("200", (await NginxAsAsync(C)).Stdout.Trim());

        await ReplayedOlderBundle_CRejectsAuditsAndShowsIt_KeepsBundle2Async();
    }

    /// <summary>
    /// An on-path attacker answers C's bundle fetches with the recorded bundle 1 (validly signed, sequence lower, B not
    /// revoked in it) and passes every other request through to the real CA, so the CA check itself passes: C rejects
    /// the replay as older, audits it, says so in its status, keeps bundle 2 — and its proxy still refuses B.
    /// </summary>
    private async Task ReplayedOlderBundle_CRejectsAuditsAndShowsIt_KeepsBundle2Async()
    {
        var address = Lab.AddressOf(A);
        (await Lab.RunAsync(A, ["sh", "-c", $"cat > {Impostor} <<'EOF'\n{ImpostorScript}\nEOF"], Ct)).EnsureSuccess();
        await Lab.StartBackgroundAsync(A, "impostor", ["python3", Impostor, OldBundle, $"http://127.0.0.1:{KoiDaemon.HttpPort}", ImpostorPort.ToString(System.Globalization.CultureInfo.InvariantCulture), ImpostorServed], Ct);
        await Lab.RunUntilSuccessAsync(A, ["curl", "-sf", "-o", "/dev/null", $"http://127.0.0.1:{ImpostorPort}/healthz"], TimeSpan.FromSeconds(10), Ct);
        // On the path: C's packets to the CA's enrollment port reach the impostor instead (destination NAT as they arrive).
        (await Lab.RunAsync(A, ["nft", $"add table ip koireplay; add chain ip koireplay pre {{ type nat hook prerouting priority -100; }}; add rule ip koireplay pre ip saddr {Lab.AddressOf(C)} tcp dport {KoiDaemon.HttpPort} dnat to {address}:{ImpostorPort}"], Ct)).EnsureSuccess();
        // Connections C already holds open to the CA would not pass the new rule: the attacker resets them.
        (await Lab.RunAsync(A, ["ss", "-K", "-t", "state", "established", $"( sport = :{KoiDaemon.HttpPort} and dst {Lab.AddressOf(C)} )"], Ct)).EnsureSuccess();
        try
        {
            await Poll.UntilAsync(async () =>
            {
                await Koi(C, "certmesh", "verify-ca", "--json");
                return (await Lab.RunAsync(A, ["sh", "-c", $"cat {ImpostorServed} 2>/dev/null || echo 0"], Ct)).Stdout.Trim() != "0";
            }, TimeSpan.FromSeconds(30), "C's CA check to fetch the bundle through the impostor", Ct);
            var check = await Koi(C, "certmesh", "verify-ca", "--json");
            Assert.Equal("verified", JsonDocument.Parse(check.EnsureSuccess().Stdout).RootElement.GetProperty("last_verdict").GetString());

            var status = await StatusAsync(C);
            Assert.Equal(2, BundleSequence(status));
            Assert.Contains(Warnings(status), w => w.Contains("rejected (older)", StringComparison.Ordinal));
            var audit = (await Lab.RunAsync(C, ["cat", $"{KoiDaemon.DataDir}/certmesh/member-audit.log"], Ct)).EnsureSuccess().Stdout;
            Assert.Contains(audit.Split('\n'), line => line.Contains("trust_bundle_rejected", StringComparison.Ordinal) && line.Contains("older", StringComparison.Ordinal));
            var component = JsonDocument.Parse((await Koi(C, "status", "--json")).EnsureSuccess().Stdout).RootElement.GetProperty("capabilities").EnumerateArray()
                .SelectMany(c => c.GetProperty("components").EnumerateArray()).Single(c => c.GetProperty("name").GetString() == "certmesh/trust_bundle");
            Assert.StartsWith("bundle 2 from stone-a kept; trust bundle from", component.GetProperty("reason").GetString(), StringComparison.Ordinal);
            Assert.NotEqual(0, (await ProxyAsAsync(B)).ExitCode);
        }
        finally
        {
            await Lab.RunAsync(A, ["nft", "delete table ip koireplay"], Ct);
            await Lab.StopAsync(Lab.Started.Single(p => p.Host == A && p.Name == "impostor"), Ct);
            await Lab.RunAsync(A, ["rm", "-f", Impostor, ImpostorServed, OldBundle], Ct);
        }

        // With the path clean again the next fetch applies the real bundle 2, and the warning goes.
        (await Koi(C, "certmesh", "verify-ca", "--json")).EnsureSuccess();
        Assert.DoesNotContain(Warnings(await StatusAsync(C)), w => w.Contains("rejected", StringComparison.Ordinal));
    }

    private async Task JoinAsync(string host, string secret)
    {
        var code = (await Lab.RunAsync(A, ["oathtool", "--totp", "-b", secret], Ct)).EnsureSuccess().Stdout.Trim();
        var join = await Koi(host, "certmesh", "join", $"http://{Lab.AddressOf(A)}:{KoiDaemon.HttpPort}", "--code", code, "--json");
        Assert.Equal("enrolled", JsonDocument.Parse(join.EnsureSuccess().Stdout).RootElement.GetProperty("status").GetString());
    }

    private async Task StartNginxAsync()
    {
        var conf = $$"""
            pid /tmp/koi-revoke-nginx/nginx.pid;
            error_log /tmp/koi-revoke-nginx/error.log info;
            events {}
            http {
              access_log off;
              client_body_temp_path /tmp/koi-revoke-nginx/body;
              proxy_temp_path /tmp/koi-revoke-nginx/proxy;
              fastcgi_temp_path /tmp/koi-revoke-nginx/fastcgi;
              uwsgi_temp_path /tmp/koi-revoke-nginx/uwsgi;
              scgi_temp_path /tmp/koi-revoke-nginx/scgi;
              server {
                listen 9443 ssl;
                ssl_certificate {{Cert(C, "fullchain.pem")}};
                ssl_certificate_key {{Cert(C, "key.pem")}};
                ssl_client_certificate {{Cert(C, "ca.pem")}};
                ssl_verify_client on;
                ssl_crl {{KoiDaemon.DataDir}}/certmesh/crl.pem;
                location / { return 200 "nginx ok"; }
              }
            }
            """;
        (await Lab.RunAsync(C, ["sh", "-c", $"mkdir -p /tmp/koi-revoke-nginx && cat > {NginxConf} <<'EOF'\n{conf}\nEOF"], Ct)).EnsureSuccess();
        await Lab.StartBackgroundAsync(C, "nginx", ["nginx", "-c", NginxConf, "-g", "daemon off;"], Ct);
        await Lab.RunUntilSuccessAsync(C, ["sh", "-c", $"curl -sk -o /dev/null https://{Lab.AddressOf(C)}:9443/ ; test -f /tmp/koi-revoke-nginx/nginx.pid"], TimeSpan.FromSeconds(10), Ct);
    }

    private Task<LabCommandResult> ProxyAsAsync(string host) =>
        Lab.RunAsync(host, ["curl", "-sS", "--max-time", "10", "--cacert", Cert(host, "ca.pem"), "--cert", Cert(host, "cert.pem"), "--key", Cert(host, "key.pem"),
            "--resolve", $"{C}.lan:8443:{Lab.AddressOf(C)}", $"https://{C}.lan:8443/"], Ct);

    private Task<LabCommandResult> NginxAsAsync(string host) =>
        Lab.RunAsync(host, ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "10", "--cacert", Cert(host, "ca.pem"), "--cert", Cert(host, "cert.pem"), "--key", Cert(host, "key.pem"),
            "--resolve", $"{C}.lan:9443:{Lab.AddressOf(C)}", $"https://{C}.lan:9443/"], Ct);

    private async Task<JsonElement> StatusAsync(string host) =>
        JsonDocument.Parse((await Koi(host, "certmesh", "status", "--json")).EnsureSuccess().Stdout).RootElement;

    private static long BundleSequence(JsonElement status) =>
        status.TryGetProperty("member_bundle", out var bundle) && bundle.ValueKind == JsonValueKind.Object ? bundle.GetProperty("sequence").GetInt64() : 0;

    private static IEnumerable<string> Warnings(JsonElement status) =>
        status.TryGetProperty("warnings", out var warnings) ? warnings.EnumerateArray().Select(w => w.GetString() ?? string.Empty) : [];

    private static string Cert(string host, string file) => $"{KoiDaemon.DataDir}/certs/{host}/{file}";

    private Task<LabCommandResult> Koi(string host, params string[] arguments) => KoiDaemon.CliAsync(Lab, host, Ct, arguments);

    [GeneratedRegex("secret=([A-Z2-7]+)")]
    private static partial Regex SecretPattern();
}
