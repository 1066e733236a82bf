using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Koi.Scenarios.Fixtures;
using Koi.Scenarios.Harness;
using Microsoft.Playwright;

namespace Koi.Scenarios.Scenarios;

/// <summary>
/// <c>https://grafana.lan</c> on port 443, from another machine, green (docs/certmesh.md "Service names"): stone-b
/// proxies two sites on 443, the names resolve from stone-c's koi DNS, stone-b's certificate carries them within
/// seconds, and curl and openssl on stone-c verify them through stone-c's system trust store alone. A second machine
/// serving the same service shares the round-robin name; a name held by another member is refused and shown; a new
/// address on stone-b is in its certificate within seconds (issue 19).
/// </summary>
public sealed partial class ServiceNameScenarios(NamesFixture fixture) : LabScenarios<NamesFixture>(fixture)
{
    private const string A = NamesFixture.Ca;
    private const string B = NamesFixture.Server;
    private const string C = NamesFixture.Client;
    private static readonly TimeSpan Seconds = TimeSpan.FromSeconds(30);

    [Fact(Timeout = 420_000)]
    public async Task ProxyOn443_GrafanaAndWikiGreenFromAnotherMachine_RoundRobinRefusalAndNewAddressFollow()
    {
        await JoinAsync();
        await StartBackendAsync(B, 3000, "grafana on stone-b");
        await StartBackendAsync(B, 8080, "wiki on stone-b");

        // The story: two entries on 443, chosen by SNI; nothing else is done by hand — the proxy announces _grafana._tcp
        // and _wiki._tcp and offers the labels, certmesh re-issues, stone-c's koi DNS answers.
        var added = Stopwatch.StartNew();
        (await Koi(B, "proxy", "add", "grafana", "--listen", "443", "--backend", "http://localhost:3000")).EnsureSuccess();
        (await Koi(B, "proxy", "add", "wiki", "--listen", "443", "--backend", "http://localhost:8080")).EnsureSuccess();

        var grafana = await CurlUntilAsync("https://grafana.lan/", "grafana on stone-b");
        var grafanaAfter = added.Elapsed;
        await CurlUntilAsync("https://wiki.lan/", "wiki on stone-b");
        var wikiAfter = added.Elapsed;
        Assert.Contains("grafana on stone-b", grafana, StringComparison.Ordinal);
        TestContext.Current.TestOutputHelper?.WriteLine($"proxy add → green curl from {C}: grafana.lan {grafanaAfter.TotalSeconds:0.0} s, wiki.lan {wikiAfter.TotalSeconds:0.0} s");

        var verify = await Lab.RunAsync(C, ["sh", "-c", "openssl s_client -connect grafana.lan:443 -servername grafana.lan -verify_hostname grafana.lan -verify_return_error -CApath /etc/ssl/certs </dev/null 2>&1"], Ct);
        Assert.True(verify.Succeeded, verify.Stdout);
        Assert.Contains("Verify return code: 0 (ok)", verify.Stdout, StringComparison.Ordinal);
        await BrowseOnClientAsync(("https://grafana.lan/", "grafana on stone-b"), ("https://wiki.lan/", "wiki on stone-b"));

        var bNames = await SansAsync(B);
        Assert.Contains("DNS:grafana.lan", bNames, StringComparison.Ordinal);
        Assert.Contains("DNS:wiki.lan", bNames, StringComparison.Ordinal);
        Assert.Contains("DNS:grafana-stone-b.lan", bNames, StringComparison.Ordinal);

        // A second machine (the CA host itself) serves grafana too: both carry grafana.lan, DNS answers both, and
        // grafana-stone-b.lan still reaches stone-b alone.
        await StartBackendAsync(A, 3000, "grafana on stone-a");
        (await Koi(A, "proxy", "add", "grafana", "--listen", "443", "--backend", "http://localhost:3000")).EnsureSuccess();
        await Poll.UntilAsync(async () => (await SansAsync(A)).Contains("DNS:grafana.lan", StringComparison.Ordinal), Seconds, $"{A}'s certificate to carry grafana.lan", Ct);
        await Poll.UntilAsync(
            async () => (await Lab.RunAsync(C, ["dig", "+short", "@127.0.0.1", "grafana.lan", "A"], Ct)).Stdout is var both
                && both.Contains(Lab.AddressOf(A), StringComparison.Ordinal) && both.Contains(Lab.AddressOf(B), StringComparison.Ordinal),
            Seconds,
            "grafana.lan to answer both machines",
            Ct);
        Assert.Contains("DNS:grafana.lan", await SansAsync(B), StringComparison.Ordinal);
        Assert.Contains("grafana on stone-b", await CurlUntilAsync("https://grafana-stone-b.lan/", "grafana on stone-b"), StringComparison.Ordinal);
        await CurlUntilAsync("https://grafana-stone-a.lan/", "grafana on stone-a");

        // stone-c proxies a service named like stone-b's host: the name is refused, with the holder, and shown in
        // certmesh status, proxy status and the CA's audit log.
        (await Koi(C, "proxy", "add", "stone-b", "--listen", "9443", "--backend", "http://localhost:3000")).EnsureSuccess();
        await Poll.UntilAsync(
            async () => (await Koi(C, "certmesh", "status")).Stdout.Contains("stone-b.lan: refused (held by stone-b)", StringComparison.Ordinal),
            Seconds,
            $"{C}'s certmesh status to show stone-b.lan refused",
            Ct);
        Assert.Contains("held by stone-b", (await Koi(C, "proxy", "status")).Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("DNS:stone-b.lan", await SansAsync(C), StringComparison.Ordinal);
        Assert.Contains("name_refused hostname=stone-c name=stone-b.lan", (await Koi(A, "certmesh", "log")).EnsureSuccess().Stdout, StringComparison.Ordinal);

        // Issue 19: a new address on stone-b's interface is in its certificate within seconds.
        var address = Regex.Replace(Lab.AddressOf(B), @"\.\d+$", ".200");
        (await Lab.RunAsync(B, ["ip", "addr", "add", address + "/24", "dev", "eth0"], Ct)).EnsureSuccess();
        var readdressed = Stopwatch.StartNew();
        await Poll.UntilAsync(async () => (await SansAsync(B)).Contains($"IP Address:{address}", StringComparison.Ordinal), Seconds, $"{B}'s certificate to carry {address}", Ct);
        TestContext.Current.TestOutputHelper?.WriteLine($"{address} added on {B}: in its certificate after {readdressed.Elapsed.TotalSeconds:0.0} s");
        (await Lab.RunAsync(B, ["ip", "addr", "del", address + "/24", "dev", "eth0"], Ct)).EnsureSuccess();
        await Poll.UntilAsync(async () => !(await SansAsync(B)).Contains($"IP Address:{address}", StringComparison.Ordinal), Seconds, $"{B}'s certificate to drop {address}", Ct);
    }

    /// <summary>B and C join A's mesh; joining puts A's CA into their system trust stores.</summary>
    private async Task JoinAsync()
    {
        // C's Chromium profile exists before the join, as on a desktop where the browser has run once: koi's join adds
        // the mesh CA to every NSS database it finds (docs/certmesh.md, trust stores), Chromium's among them.
        (await Lab.RunAsync(C, ["sh", "-c", "mkdir -p /root/.pki/nssdb && certutil -N --empty-password -d sql:/root/.pki/nssdb"], Ct)).EnsureSuccess();
        var create = await Koi(A, "certmesh", "create", "--profile", "just-me", "--passphrase-file", NamesFixture.PassphraseFile, "--json");
        var secret = SecretPattern().Match(JsonDocument.Parse(create.EnsureSuccess().Stdout).RootElement.GetProperty("totp_uri").GetString()!).Groups[1].Value;
        var endpoint = $"http://{Lab.AddressOf(A)}:{KoiDaemon.HttpPort}";
        (await Koi(B, "certmesh", "join", endpoint, "--code", await CodeAsync(secret, "now"), "--json")).EnsureSuccess();
        (await Koi(C, "certmesh", "join", endpoint, "--code", await CodeAsync(secret, "now + 30 seconds"), "--json")).EnsureSuccess();
    }

    private async Task StartBackendAsync(string host, int port, string page)
    {
        var site = $"/tmp/koi-names-site-{host}-{port}"; // lab hosts share the file system: one directory per host
        (await Lab.RunAsync(host, ["sh", "-c", $"mkdir -p {site} && echo '{page}' > {site}/index.html"], Ct)).EnsureSuccess();
        await Lab.StartBackgroundAsync(host, $"site-{port}", ["python3", "-m", "http.server", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--directory", site], Ct);
        await Lab.RunUntilSuccessAsync(host, ["curl", "-sf", "-o", "/dev/null", $"http://127.0.0.1:{port}/"], TimeSpan.FromSeconds(10), Ct);
    }

    /// <summary>curl on C through C's resolver and C's system trust store only; its page once it answers.</summary>
    private async Task<string> CurlUntilAsync(string url, string expected)
    {
        string page = string.Empty;
        var last = string.Empty;
        try
        {
            await Poll.UntilAsync(
                async () =>
                {
                    var curl = await Lab.RunAsync(C, ["curl", "-sS", "--fail", "--max-time", "3", url], Ct);
                    (page, last) = (curl.Stdout, curl.Stderr);
                    return page.Contains(expected, StringComparison.Ordinal);
                },
                Seconds,
                $"{url} from {C} to answer '{expected}'",
                Ct);
        }
        catch (TimeoutException ex)
        {
            var host = new Uri(url).Host;
            var dig = (await Lab.RunAsync(C, ["dig", "+short", "@127.0.0.1", host, "A"], Ct)).Stdout.Trim();
            throw new TimeoutException($"{ex.Message} Last curl: {last.Trim()}; {host} resolves on {C} to [{dig}]", ex);
        }

        return page;
    }

    /// <summary>
    /// Debian's Chromium on C (in C's namespaces, C's resolver and C's NSS database as koi's join left it) opens each
    /// URL: a certificate Chromium does not trust fails the navigation (no interstitial is clicked through). Screenshots
    /// go to artifacts/test-results/names/.
    /// </summary>
    private async Task BrowseOnClientAsync(params (string Url, string Expected)[] sites)
    {
        var wrapper = Path.Combine(Lab.Directory, $"chromium-on-{C}");
        await File.WriteAllTextAsync(wrapper, $"#!/bin/sh\nexec {RepoPaths.LabScript} --name {Lab.Name} run {C} -- /usr/bin/chromium \"$@\"\n", Ct);
        File.SetUnixFileMode(wrapper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = wrapper,
            Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { IgnoreHTTPSErrors = false });
        var page = await context.NewPageAsync();
        var shots = global::Koi.Testing.RepoPaths.Combine("artifacts", "test-results", "names");
        Directory.CreateDirectory(shots);
        foreach (var (url, expected) in sites)
        {
            var response = await page.GotoAsync(url, new PageGotoOptions { Timeout = 30_000 });
            Assert.NotNull(response);
            Assert.Equal(200, response.Status);
            Assert.Contains(expected, await page.ContentAsync(), StringComparison.Ordinal);
            Assert.Equal("https:", await page.EvaluateAsync<string>("() => location.protocol"));
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(shots, new Uri(url).Host + ".png") });
        }
    }

    private async Task<string> SansAsync(string host) =>
        (await Lab.RunAsync(host, ["openssl", "x509", "-in", $"{KoiDaemon.DataDir}/certs/{host}/cert.pem", "-noout", "-ext", "subjectAltName"], Ct)).Stdout;

    private async Task<string> CodeAsync(string secret, string at) =>
        (await Lab.RunAsync(A, ["oathtool", "--totp", "-b", "-N", at, secret], Ct)).EnsureSuccess().Stdout.Trim();

    private Task<LabCommandResult> Koi(string host, params string[] arguments) => KoiDaemon.CliAsync(Lab, host, Ct, arguments);

    [GeneratedRegex("secret=([A-Z2-7]+)")]
    private static partial Regex SecretPattern();
}
