using System.Diagnostics;

namespace Koi.Scenarios.Harness;

/// <summary>Runs scripts/lab with a deadline; everything the lab does goes through here.</summary>
internal static class LabScript
{
    private static readonly TimeSpan s_outputGrace = TimeSpan.FromSeconds(5);

    public static Task<LabCommandResult> RunAsync(IReadOnlyList<string> arguments, TimeSpan timeout, CancellationToken ct) =>
        RunFileAsync(RepoPaths.LabScript, arguments, timeout, ct);

    /// <summary>Runs any program the same way (deadline, both streams read, a hung child killed).</summary>
    public static async Task<LabCommandResult> RunFileAsync(string file, IReadOnlyList<string> arguments, TimeSpan timeout, CancellationToken ct)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var description = (file == RepoPaths.LabScript ? "scripts/lab" : file) + " " + string.Join(' ', arguments);
        using var process = Process.Start(start) ?? throw new LabException($"Could not start {description}.");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            ct.ThrowIfCancellationRequested();
            throw new TimeoutException($"{description} did not finish within {timeout.TotalSeconds:0}s.");
        }

        await OutputClosedAsync(description, stdout, stderr);
        return new LabCommandResult(description, process.ExitCode, await stdout, await stderr);
    }

    private static async Task OutputClosedAsync(string description, Task<string> stdout, Task<string> stderr)
    {
        try
        {
            await Task.WhenAll(stdout, stderr).WaitAsync(s_outputGrace);
        }
        catch (TimeoutException)
        {
            throw new LabException(
                $"{description} exited, but something it started still holds its output open. " +
                "Redirect a backgrounded command's output (cmd >/dev/null 2>&1 &) or use StartBackgroundAsync.");
        }
    }
}
