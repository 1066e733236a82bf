using System.Diagnostics;

namespace Koi.Tests.Cli;

/// <summary>
/// The bare <c>koi</c> screen and <c>koi status</c> in a real terminal (tmux, on a private server socket) at 80 and
/// 120 columns: nothing runs past the edge, and no raw <c>False</c> or empty field reaches the reader.
/// </summary>
public sealed class TerminalLayoutTests
{
    [Theory]
    [InlineData(80)]
    [InlineData(120)]
    public async Task CatalogAndStatus_InTmux_FitWidthWithNoRawBooleansOrEmptyFields(int columns)
    {
        await using var daemon = await LocalDaemon.StartAsync(KoiProcess.BuiltBinary);
        var socket = $"koi-test-{Guid.NewGuid():N}";
        var koi = KoiProcess.BuiltBinary;
        var script = $"'{koi}' --data-dir '{daemon.DataDir}'; echo ==status==; '{koi}' status --data-dir '{daemon.DataDir}'; echo ==end==; sleep 60";
        try
        {
            await TmuxAsync(socket, "new-session", "-d", "-x", columns.ToString(System.Globalization.CultureInfo.InvariantCulture), "-y", "150", script);
            var screen = "";
            for (var i = 0; i < 100 && !screen.Contains("==end==", StringComparison.Ordinal); i++)
            {
                await Task.Delay(200, TestContext.Current.CancellationToken);
                // -J joins lines the terminal wrapped, so a line wider than the window shows as one long line.
                screen = await TmuxAsync(socket, "capture-pane", "-p", "-J");
            }

            Assert.Contains("==end==", screen, StringComparison.Ordinal);
            var lines = screen.Split('\n').Select(l => l.TrimEnd()).ToList();
            Assert.All(lines, line => Assert.True(line.Length <= columns, $"{line.Length} columns: {line}"));
            Assert.Contains(lines, l => l.StartsWith("health", StringComparison.Ordinal) && l.Contains("Is everything up right now, and if not, since when?", StringComparison.Ordinal));
            Assert.Contains(lines, l => l.StartsWith("dns", StringComparison.Ordinal) && l.Contains("not serving", StringComparison.Ordinal));
            foreach (var line in lines)
            {
                Assert.DoesNotContain("False", line, StringComparison.Ordinal);
                Assert.DoesNotContain("True", line, StringComparison.Ordinal);
                Assert.DoesNotMatch(@"\w: ,|\w:$", line);
            }

            Assert.Equal(2, lines.Count(l => l.StartsWith("certmesh ", StringComparison.Ordinal) && l.Contains("running", StringComparison.Ordinal)));
        }
        finally
        {
            await TmuxAsync(socket, "kill-server");
        }
    }

    private static async Task<string> TmuxAsync(string socket, params string[] args)
    {
        var info = new ProcessStartInfo("/usr/bin/tmux") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add("-L");
        info.ArgumentList.Add(socket);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["TERM"] = "xterm-256color";
        using var process = Process.Start(info)!;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        var output = await process.StandardOutput.ReadToEndAsync(cts.Token);
        await process.WaitForExitAsync(cts.Token);
        return output;
    }
}
