using System.Diagnostics;

namespace Koi.Core.Processes;

/// <summary>What a tool printed, kept apart: stdout is its answer, stderr its complaint.</summary>
public sealed record ToolRun(int ExitCode, string Stdout, string Stderr)
{
    /// <summary>
    /// Runs <paramref name="file"/> as argv with <paramref name="input"/> (none when null) on its stdin — the way to
    /// hand a tool a secret, since argv is readable by every user in <c>/proc/PID/cmdline</c>. Same conventions as
    /// <see cref="CommandRunner"/>: 127 could not start, 124 ran out of time (and was killed).
    /// </summary>
    public static async Task<ToolRun> RunAsync(string file, IReadOnlyList<string> arguments, string? input, CancellationToken cancellationToken, TimeSpan? timeout = null)
    {
        var limit = timeout ?? CommandRunner.DefaultTimeout;
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
            return new(127, "", $"{file}: {ex.Message}");
        }

        using (process)
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(limit);
            var stdout = process.StandardOutput.ReadToEndAsync(deadline.Token);
            var stderr = process.StandardError.ReadToEndAsync(deadline.Token);
            try
            {
                try
                {
                    if (input is not null)
                    {
                        await process.StandardInput.WriteAsync(input.AsMemory(), deadline.Token);
                    }

                    process.StandardInput.Close();
                }
                catch (IOException)
                {
                    // The tool exited without reading its input; its exit code and stderr say why.
                }

                await process.WaitForExitAsync(deadline.Token);
                return new(process.ExitCode, await stdout, (await stderr).Trim());
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                return new(124, "", $"{file} did not finish within {limit.TotalSeconds:0} s");
            }
        }
    }
}
