using System.Globalization;
using System.Net;
using Koi.Core.Status;
using Koi.Daemon;
using Microsoft.Extensions.Hosting.Systemd;

namespace Koi.Service;

/// <summary>
/// Pings systemd's watchdog (sd_watchdog_enabled(3), <c>WatchdogSec=</c> in the unit) only after the daemon has
/// answered its own <c>/healthz</c>: a wedged daemon stops pinging and systemd restarts it. Outside systemd, or
/// without a watchdog, it reports itself disabled rather than pretending to run.
/// </summary>
internal sealed partial class SystemdWatchdog(
    ISystemdNotifier notifier,
    StatusRegistry registry,
    DaemonOptions options,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    ILogger<SystemdWatchdog> logger) : BackgroundService
{
    private static readonly TimeSpan s_probeTimeout = TimeSpan.FromSeconds(5);
    private readonly ComponentHealth _health = registry.Register("core", "watchdog");

    /// <summary>Ping interval: a third of <c>WATCHDOG_USEC</c>, or null when this process has no watchdog.</summary>
    public static TimeSpan? Interval(Func<string, string?> environment, int processId)
    {
        if (!long.TryParse(environment("WATCHDOG_USEC"), NumberStyles.None, CultureInfo.InvariantCulture, out var usec) || usec <= 0)
        {
            return null;
        }

        // WATCHDOG_PID, when set, names the process the watchdog is meant for (a child must not ping for its parent).
        if (environment("WATCHDOG_PID") is { Length: > 0 } pid && pid != processId.ToString(CultureInfo.InvariantCulture))
        {
            return null;
        }

        return TimeSpan.FromTicks(usec * 10 / 3);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = Interval(Environment.GetEnvironmentVariable, Environment.ProcessId);
        if (!notifier.IsEnabled || interval is null)
        {
            _health.Disabled("not run by systemd with WatchdogSec");
            return;
        }

        var host = options.HttpBind.Equals(IPAddress.Any) || options.HttpBind.Equals(IPAddress.IPv6Any) ? "127.0.0.1"
            : options.HttpBind.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{options.HttpBind}]"
            : options.HttpBind.ToString();
        using var http = new HttpClient { BaseAddress = new Uri($"http://{host}:{options.HttpPort}"), Timeout = s_probeTimeout };
        using var timer = new PeriodicTimer(interval.Value, time);
        _health.Starting();
        if (!await ApplicationStartedAsync(stoppingToken))
        {
            return;
        }

        do
        {
            try
            {
                using var response = await http.GetAsync("/healthz", stoppingToken);
                if (response.IsSuccessStatusCode)
                {
                    notifier.Notify(new ServiceState("WATCHDOG=1"));
                    _health.Running($"pinging systemd every {interval.Value.TotalSeconds:0} s after /healthz answers");
                    continue;
                }

                _health.Failed($"/healthz answered {(int)response.StatusCode}; systemd restarts koi if this persists");
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !stoppingToken.IsCancellationRequested)
            {
                _health.Failed($"/healthz did not answer ({ex.Message}); systemd restarts koi if this persists");
                LogProbeFailed(logger, ex.Message);
            }
        }
        while (await WaitAsync(timer, stoppingToken));

        _health.Stopped("daemon stopping");
    }

    // Hosted services start before Kestrel listens; probing earlier would report a failure that is not one.
    private async Task<bool> ApplicationStartedAsync(CancellationToken ct)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        try
        {
            await started.Task.WaitAsync(ct);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken ct)
    {
        try
        {
            return await timer.WaitForNextTickAsync(ct);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(EventId = 140, Level = LogLevel.Warning, Message = "watchdog: /healthz did not answer ({Reason}); not pinging systemd")]
    private static partial void LogProbeFailed(ILogger logger, string reason);
}
