using System.Diagnostics;

namespace Koi.Core.Processes;

/// <summary>
/// Runs a tool as argv (never through a shell) with a deadline; a tool that hangs is killed, since koi started it.
/// Exit 127 means it could not start, 124 that it ran out of time (the shell conventions, so messages read familiar).
/// </summary>
public static class CommandRunner
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    public static async Task<(int ExitCode, string Output)> RunAsync(
        string file, IReadOnlyList<string> arguments, CancellationToken cancellationToken, TimeSpan? timeout = null)
    {
        var limit = timeout ?? DefaultTimeout;
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return (127, $"{file}: {ex.Message}");
        }

        using (process)
        {
            process.StandardInput.Close();
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(limit);
            var stdout = process.StandardOutput.ReadToEndAsync(deadline.Token);
            var stderr = process.StandardError.ReadToEndAsync(deadline.Token);
            try
            {
                await process.WaitForExitAsync(deadline.Token);
                return (process.ExitCode, ((await stdout) + (await stderr)).Trim());
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                return (124, $"{file} did not finish within {limit.TotalSeconds:0} s");
            }
        }
    }
}
