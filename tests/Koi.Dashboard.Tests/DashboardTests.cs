using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Koi.Dashboard.Tests;

public sealed class DashboardTests(DashboardBrowser chromium) : IClassFixture<DashboardBrowser>
{
    private const string Passphrase = "correct horse battery staple";

    [Fact]
    public async Task Load_AfterLoginLink_ShowsEveryCapabilityWithStrictCspAndNoTokenInUrl()
    {
        await using var daemon = await LocalDaemon.StartAsync(DashboardSession.Koi);
        var link = await DashboardSession.LoginLinkAsync(daemon);
        var token = File.ReadAllText(Path.Combine(daemon.DataDir, "daemon.json"));
        var context = await chromium.Browser.NewContextAsync();
        var page = await context.NewPageAsync();

        var response = await page.GotoAsync(link);
        // The login page moves to / by itself, often after GotoAsync has returned on /login's load event. Not
        // WaitForURLAsync: on that path it waits for the client's navigated and load-state events, and on this loaded
        // box it missed them about one run in three (the driver's log showed / committed and loaded within 100 ms, the
        // wait still ran into its 30 s timeout). ToHaveURLAsync polls the page's address instead.
        await Expect(page).ToHaveURLAsync(new Uri(daemon.Endpoint, "/").ToString(), new() { Timeout = 15_000 });
        await Expect(page.Locator("#board")).ToBeVisibleAsync(new() { Timeout = 15_000 });

        Assert.DoesNotContain(Regex.Match(token, "[0-9a-f]{64}").Value, link, StringComparison.Ordinal);
        Assert.Contains("/login#", link, StringComparison.Ordinal);
        var csp = (await context.APIRequest.GetAsync(new Uri(daemon.Endpoint, "/").ToString())).Headers["content-security-policy"];
        Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
        Assert.Contains("style-src 'self'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
        Assert.Contains("default-src 'none'", response!.Headers["content-security-policy"], StringComparison.Ordinal);
        foreach (var capability in new[] { "mdns", "certmesh", "dns", "health", "proxy" })
        {
            await Expect(page.Locator("#capabilities tbody tr", new() { HasText = capability }).First).ToBeVisibleAsync();
        }

        await Expect(page.Locator("#live")).ToHaveTextAsync("live");
        await Expect(page.Locator("#ca-create")).ToBeVisibleAsync();
        var cookie = (await context.CookiesAsync()).Single(c => c.Name == "koi_session");
        Assert.True(cookie.HttpOnly);
        Assert.Equal(SameSiteAttribute.Strict, cookie.SameSite);
        await DashboardBrowser.ScreenshotAsync(page, "load");
        await context.DisposeAsync();
    }

    [Fact]
    public async Task Login_LinkUsedTwice_SecondBrowserSeesLoginPromptAndNoData()
    {
        await using var daemon = await LocalDaemon.StartAsync(DashboardSession.Koi);
        var link = await DashboardSession.LoginLinkAsync(daemon);
        var first = await chromium.Browser.NewContextAsync();
        var firstPage = await first.NewPageAsync();
        await firstPage.GotoAsync(link);
        await Expect(firstPage.Locator("#board")).ToBeVisibleAsync();

        var second = await chromium.Browser.NewContextAsync();
        var page = await second.NewPageAsync();
        await page.GotoAsync(link);

        await Expect(page.Locator("#status")).ToContainTextAsync("used up or expired");
        await page.GotoAsync(new Uri(daemon.Endpoint, "/").ToString());
        await Expect(page.Locator("#login-needed")).ToBeVisibleAsync();
        await Expect(page.Locator("#board")).ToBeHiddenAsync();
        await first.DisposeAsync();
        await second.DisposeAsync();
    }

    [Fact]
    public async Task Approve_PendingJoinClicked_JoinerBecomesMemberThroughSameApi()
    {
        await using var ca = await LocalDaemon.StartAsync(DashboardSession.Koi);
        await using var joiner = await LocalDaemon.StartAsync(DashboardSession.Koi, env: new Dictionary<string, string?> { ["KOI_HOSTNAME"] = "stone-b" });
        var created = await DashboardSession.CliJsonAsync(ca, "certmesh", "create", "--profile", "team", "--operator", "Alice", "--passphrase", Passphrase);
        var secret = Regex.Match(created.GetProperty("totp_uri").GetString()!, "secret=([A-Z2-7]+)").Groups[1].Value;
        var (context, page) = await DashboardSession.OpenAsync(chromium.Browser, ca);
        await Expect(page.Locator("#pending tbody")).ToContainTextAsync("no join requests waiting");

        var code = (await KoiProcess.RunAsync("/usr/bin/oathtool", ["--totp", "-b", secret])).Stdout.Trim();
        await using var join = KoiProcess.Start(DashboardSession.Koi, ["certmesh", "join", ca.Endpoint.ToString(), "--code", code, "--fingerprint", created.GetProperty("ca_fingerprint").GetString()!, "--json", "--data-dir", joiner.DataDir]);

        // The request appears without a reload: the join_pending event on /v1/events redraws the board.
        var approve = page.Locator("#pending button[data-action=approve][data-host=stone-b]");
        await Expect(approve).ToBeVisibleAsync(new() { Timeout = 20_000 });
        await DashboardBrowser.ScreenshotAsync(page, "pending-join");
        await approve.ClickAsync();

        await Expect(page.Locator("#members tbody tr", new() { HasText = "stone-b" })).ToContainTextAsync("active", new() { Timeout = 20_000 });
        await Expect(page.Locator("#members tbody tr", new() { HasText = "stone-b" }).Locator("button[data-action=revoke]")).ToBeVisibleAsync();
        Assert.Equal(0, await join.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        var roster = await DashboardSession.CliJsonAsync(ca, "certmesh", "roster");
        Assert.Contains("\"approved_by\": \"dashboard\"", roster.ToString(), StringComparison.Ordinal);
        await DashboardBrowser.ScreenshotAsync(page, "member-approved");
        await context.DisposeAsync();
    }

    [Fact]
    public async Task Health_CheckTargetStops_RowTurnsDownWithoutReload()
    {
        await using var daemon = await LocalDaemon.StartAsync(DashboardSession.Koi);
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var (context, page) = await DashboardSession.OpenAsync(chromium.Browser, daemon);

        // Added while the board is open: the board redraws on check_added (still unknown), and the first result, which
        // is no transition, must reach it by its own event (baseline) — not wait for the 15 s periodic redraw.
        await DashboardSession.CliJsonAsync(daemon, "health", "add", "postgres", "--tcp", $"127.0.0.1:{port}", "--interval", "1s", "--timeout", "1s");
        var row = page.Locator("#health tbody tr", new() { HasText = "postgres" });
        // Well inside the 15 s periodic redraw, which must not be what shows it (the first result comes within ~1 s).
        await Expect(row.Locator(".badge")).ToHaveTextAsync("up", new() { Timeout = 10_000 });
        await DashboardBrowser.ScreenshotAsync(page, "health-up");
        var loads = 0;
        page.Load += (_, _) => loads++;

        listener.Stop();

        await Expect(row.Locator(".badge")).ToHaveTextAsync("down", new() { Timeout = 15_000 });
        await Expect(page.Locator("#transitions")).ToContainTextAsync("postgres");
        Assert.Equal(0, loads);
        await DashboardBrowser.ScreenshotAsync(page, "health-down");
        await context.DisposeAsync();
    }

    [Fact]
    public async Task Api_SessionCookieWithoutDashboardHeader_MutationRefused()
    {
        await using var daemon = await LocalDaemon.StartAsync(DashboardSession.Koi);
        var (context, page) = await DashboardSession.OpenAsync(chromium.Browser, daemon);

        // What a cross-site form could send: the cookie (were it not SameSite=Strict) but no custom header.
        var bare = await context.APIRequest.PostAsync(new Uri(daemon.Endpoint, "/v1/health/checks").ToString(), new() { DataObject = new { name = "x", tcp = "127.0.0.1:1" } });
        var withHeader = await context.APIRequest.PostAsync(new Uri(daemon.Endpoint, "/v1/health/checks").ToString(), new()
        {
            DataObject = new { name = "y", tcp = "127.0.0.1:1" },
            Headers = new Dictionary<string, string> { ["x-koi-dashboard"] = "1" },
        });
        var links = await context.APIRequest.PostAsync(new Uri(daemon.Endpoint, "/v1/dashboard/links").ToString(), new()
        {
            DataObject = new { },
            Headers = new Dictionary<string, string> { ["x-koi-dashboard"] = "1" },
        });

        Assert.Equal(401, bare.Status);
        Assert.Equal(201, withHeader.Status);
        Assert.Equal(401, links.Status);
        await context.DisposeAsync();
    }
}
