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
        var run = await ToolRun.RunAsync(file, arguments, input: null, cancellationToken, timeout ?? DefaultTimeout);
        return (run.ExitCode, (run.Stdout + run.Stderr).Trim());
    }
}
