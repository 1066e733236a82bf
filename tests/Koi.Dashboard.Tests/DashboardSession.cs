using System.Text.Json;
using Microsoft.Playwright;

namespace Koi.Dashboard.Tests;

/// <summary>A browser context logged in the way an operator does it: `koi dashboard`, then open the link.</summary>
internal static class DashboardSession
{
    public static readonly string Koi = KoiProcess.BuiltBinary;

    public static async Task<string> LoginLinkAsync(LocalDaemon daemon)
    {
        var run = await KoiProcess.RunAsync(Koi, ["dashboard", "--json", "--data-dir", daemon.DataDir]);
        Assert.True(run.ExitCode == 0, run.Stderr);
        return JsonDocument.Parse(run.Stdout).RootElement.GetProperty("url").GetString()!;
    }

    public static async Task<(IBrowserContext Context, IPage Page)> OpenAsync(IBrowser browser, LocalDaemon daemon, List<string>? dialogs = null)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        var page = await context.NewPageAsync();
        page.Dialog += async (_, dialog) =>
        {
            dialogs?.Add(dialog.Message);
            await dialog.AcceptAsync();
        };
        await page.GotoAsync(await LoginLinkAsync(daemon));
        // The login page spends the code and moves on to the board by itself.
        await Assertions.Expect(page.Locator("#board")).ToBeVisibleAsync(new() { Timeout = 30_000 });
        return (context, page);
    }

    public static async Task<JsonElement> CliJsonAsync(LocalDaemon daemon, params string[] args)
    {
        var run = await KoiProcess.RunAsync(Koi, [.. args, "--json", "--data-dir", daemon.DataDir]);
        Assert.True(run.ExitCode == 0, $"koi {string.Join(' ', args)}: {run.Stderr}");
        return JsonDocument.Parse(run.Stdout).RootElement;
    }
}
