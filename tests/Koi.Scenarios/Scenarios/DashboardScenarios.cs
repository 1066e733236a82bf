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
        var wrapper = await ChromiumOnHostAsync();
        var link = JsonDocument.Parse((await KoiDaemon.CliAsync(Lab, DashboardFixture.Stone, Ct, "dashboard", "--json")).EnsureSuccess().Stdout)
            .RootElement.GetProperty("url").GetString()!;
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = wrapper,
            Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
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

    /// <summary>An executable that starts /usr/bin/chromium inside stone-a's namespaces with the arguments it gets.</summary>
    private async Task<string> ChromiumOnHostAsync()
    {
        var path = Path.Combine(Lab.Directory, "chromium-on-stone-a");
        await File.WriteAllTextAsync(path, $"#!/bin/sh\nexec {RepoPaths.LabScript} --name {Lab.Name} run {DashboardFixture.Stone} -- /usr/bin/chromium \"$@\"\n", Ct);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }
}
