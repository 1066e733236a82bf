using System.Diagnostics;
using System.Globalization;

namespace Koi.Scenarios.Harness;

/// <summary>
/// A real systemd as PID 1 of its own namespaces (tests/lab/systemd-host): what `koi install` writes stays in
/// its overlays, and killing its PID 1 ends everything it started.
/// </summary>
internal sealed class SystemdHost : IAsyncDisposable
{
    private static readonly TimeSpan s_bootTimeout = TimeSpan.FromSeconds(60);
    private readonly Process _unshare;
    private readonly string _state;

    private SystemdHost(Process unshare, string state, int pid)
    {
        _unshare = unshare;
        _state = state;
        Pid = pid;
    }

    /// <summary>PID 1 of the namespace, as the machine sees it.</summary>
    public int Pid { get; }

    public static async Task<SystemdHost> BootAsync(CancellationToken ct)
    {
        var state = Path.Combine(Path.GetTempPath(), $"koi-systemd-{Environment.ProcessId}-{Guid.NewGuid():N}");
        var start = new ProcessStartInfo(RepoPaths.SystemdHostScript) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(state);
        var unshare = Process.Start(start) ?? throw new LabException("could not start tests/lab/systemd-host");
        var log = unshare.StandardError.ReadToEndAsync(CancellationToken.None);
        _ = unshare.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var pidFile = state + ".pid";
        await Poll.UntilAsync(() => Task.FromResult(File.Exists(pidFile) && new FileInfo(pidFile).Length > 0 || unshare.HasExited), s_bootTimeout, "systemd-host to start", ct);
        if (unshare.HasExited)
        {
            throw new LabException($"systemd-host exited {unshare.ExitCode}: {await log}");
        }

        var host = new SystemdHost(unshare, state, int.Parse(File.ReadAllText(pidFile).Trim(), CultureInfo.InvariantCulture));
        try
        {
            // "degraded" only means some unit of the machine's own image failed in this bare namespace.
            await Poll.UntilAsync(
                async () => (await host.RunAsync(["systemctl", "is-system-running"], ct)).Stdout.Trim() is "running" or "degraded",
                s_bootTimeout, "systemd to finish booting", ct);
            return host;
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs a command inside every namespace of the host (nsenter -a), with a deadline.</summary>
    public Task<LabCommandResult> RunAsync(IReadOnlyList<string> command, CancellationToken ct, int timeoutSeconds = 120) =>
        LabScript.RunFileAsync("nsenter", ["-t", Pid.ToString(CultureInfo.InvariantCulture), "-a", .. command], TimeSpan.FromSeconds(timeoutSeconds), ct);

    /// <summary>One property of a unit, as `systemctl show -p NAME --value` prints it.</summary>
    public async Task<string> UnitPropertyAsync(string unit, string property, CancellationToken ct) =>
        (await RunAsync(["systemctl", "show", unit, "-p", property, "--value"], ct)).EnsureSuccess().Stdout.Trim();

    public async ValueTask DisposeAsync()
    {
        try
        {
            // PID 1 of a PID namespace ignores SIGTERM; SIGKILL from outside ends it and, with it, the namespace.
            Process.GetProcessById(Pid).Kill();
        }
        catch (ArgumentException)
        {
            // Already gone.
        }

        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await _unshare.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            _unshare.Kill(entireProcessTree: true);
        }

        _unshare.Dispose();
        File.Delete(_state + ".pid");
        if (Directory.Exists(_state))
        {
            Directory.Delete(_state, recursive: true);
        }
    }
}
