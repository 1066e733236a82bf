using System.Text.Json;
using Koi.Scenarios.Fixtures;
using Koi.Scenarios.Harness;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Koi.Scenarios.Scenarios;

/// <summary>
/// The dashboard on a lab host, in Debian's Chromium running in that host's namespaces (Playwright talks to it over a
/// pipe, so no port leaves the host): hostile mDNS names and TXT values from another host stay text.
/// </summary>
public sealed class DashboardScenarios(DashboardFixture fixture) : LabScenarios<DashboardFixture>(fixture)
{
    [Fact(Timeout = 180_000)]
    public async Task MdnsInstanceAndTxtWithScript_ShownAsTextNoScriptNoDialog()
    {
        var link = (await LinkAsync()).GetProperty("url").GetString()!;
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await LaunchOnAsync(playwright, DashboardFixture.Stone);
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        var dialogs = new List<string>();
        var consoleErrors = new List<string>();
        page.Dialog += async (_, dialog) =>
        {
            dialogs.Add(dialog.Message);
            await dialog.DismissAsync();
        };
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                consoleErrors.Add(message.Text);
            }
        };

        await page.GotoAsync(link);
        var row = page.Locator("#services tbody tr", new() { HasText = DashboardFixture.HostileType });
        await Expect(row).ToBeVisibleAsync(new() { Timeout = 60_000 });

        // The name and the TXT value are on the page as the characters they are…
        await Expect(row).ToContainTextAsync(DashboardFixture.HostileInstance);
        await Expect(row).ToContainTextAsync("<script>window.__koiXss=2;alert(2)</script>");
        // …and became no element, ran nothing, opened nothing.
        Assert.Equal(0, await page.Locator("#services img, #services script").CountAsync());
        Assert.Null(await page.EvaluateAsync<int?>("() => window.__koiXss ?? null"));
        await page.WaitForTimeoutAsync(2000);
        Assert.Empty(dialogs);
        var shot = Path.Combine(Koi.Testing.RepoPaths.Combine("artifacts", "test-results", "dashboard"), "lab-hostile-mdns.png");
        Directory.CreateDirectory(Path.GetDirectoryName(shot)!);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = shot, FullPage = true });
        Assert.DoesNotContain(consoleErrors, e => e.Contains("Content Security Policy", StringComparison.Ordinal) && e.Contains("inline", StringComparison.Ordinal));
    }

    [Fact(Timeout = 180_000)]
    public async Task DashboardBind_BrowserOnAnotherHost_LogsInWithLanLinkWhileApiPortStaysClosed()
    {
        var lanUrl = (await LinkAsync()).GetProperty("lan_url").GetString()!;
        var dashboard = $"http://{Lab.AddressOf(DashboardFixture.Stone)}:{DashboardFixture.DashboardPort}";
        Assert.StartsWith(dashboard + "/login#", lanUrl, StringComparison.Ordinal);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await LaunchOnAsync(playwright, DashboardFixture.Hostile);
        var page = await browser.NewPageAsync();

        await page.GotoAsync(lanUrl);

        await Expect(page.Locator("#board")).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await Expect(page.Locator("#machine")).ToContainTextAsync(DashboardFixture.Stone);
        // Without the session: the dashboard listener answers nothing but the pages, the API port nothing at all.
        var bare = await Lab.RunAsync(DashboardFixture.Hostile, ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", $"{dashboard}/v1/status"], Ct);
        var api = await Lab.RunAsync(DashboardFixture.Hostile, ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", $"http://{Lab.AddressOf(DashboardFixture.Stone)}:{KoiDaemon.HttpPort}/v1/status"], Ct);
        // /metrics needs no token on loopback, so the dashboard listener must not hand it to the LAN.
        var metrics = await Lab.RunAsync(DashboardFixture.Hostile, ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", $"{dashboard}/metrics"], Ct);
        Assert.Equal("401", bare.Stdout);
        Assert.Equal("403", api.Stdout);
        Assert.Equal("403", metrics.Stdout);
    }

    private async Task<JsonElement> LinkAsync() =>
        JsonDocument.Parse((await KoiDaemon.CliAsync(Lab, DashboardFixture.Stone, Ct, "dashboard", "--json")).EnsureSuccess().Stdout).RootElement;

    /// <summary>Debian's Chromium inside <paramref name="host"/>'s namespaces: a wrapper Playwright starts as its browser.</summary>
    private async Task<IBrowser> LaunchOnAsync(IPlaywright playwright, string host)
    {
        var wrapper = Path.Combine(Lab.Directory, $"chromium-on-{host}");
        await File.WriteAllTextAsync(wrapper, $"#!/bin/sh\nexec {RepoPaths.LabScript} --name {Lab.Name} run {host} -- /usr/bin/chromium \"$@\"\n", Ct);
        File.SetUnixFileMode(wrapper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = wrapper,
            Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }
}
