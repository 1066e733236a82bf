using System.Diagnostics;

namespace Koi.Dns.Tests.Support;

/// <summary>Runs dig/kdig (real resolvers' client tools) with a deadline.</summary>
internal static class Tools
{
    public static bool Has(string tool) => File.Exists($"/usr/bin/{tool}");

    public static async Task<string> RunAsync(string tool, params string[] args)
    {
        var info = new ProcessStartInfo($"/usr/bin/{tool}") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        var output = process.StandardOutput.ReadToEndAsync(cts.Token);
        await process.WaitForExitAsync(cts.Token);
        return await output;
    }
}
