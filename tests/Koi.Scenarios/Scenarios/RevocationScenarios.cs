using System.Text.Json;
using System.Text.RegularExpressions;
using Koi.Scenarios.Fixtures;
using Koi.Scenarios.Harness;

namespace Koi.Scenarios.Scenarios;

/// <summary>
/// Revocation that bites: A revokes B, and within one CA check interval (here: at once, by the nudge) B's certificate
/// is refused at the handshake by C's members-only proxy entry and by nginx reading the CRL koi keeps, while B's own
/// status says it was revoked.
/// </summary>
public sealed partial class RevocationScenarios(RevocationFixture fixture) : LabScenarios<RevocationFixture>(fixture)
{
    private const string A = RevocationFixture.Ca;
    private const string B = RevocationFixture.Revoked;
    private const string C = RevocationFixture.Server;
    private const string Page = "members only";
    private const string NginxConf = "/tmp/koi-revoke-nginx/nginx.conf";

    [Fact(Timeout = 420_000)]
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
