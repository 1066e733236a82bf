using System.CommandLine;
using System.Globalization;
using System.Net.ServerSentEvents;
using System.Text.Json;
using System.Threading.Channels;
using Koi.Cli.Rendering;
using Koi.Core.Storage;
using Koi.Health;
using Koi.Health.Api;
using Koi.Health.Checks;
using Koi.Health.Transitions;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Koi.Cli.Commands.Health;

/// <summary>
/// <c>koi health watch</c>: the status view refreshed in place every few seconds and at once on every transition
/// (the daemon's <c>/v1/events</c> stream); down lines red, up lines green. Ctrl+C ends it with exit 0 and the
/// terminal as it was.
/// </summary>
internal static class HealthWatchCommand
{
    private static readonly TimeSpan Refresh = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Reconnect = TimeSpan.FromSeconds(2);

    public static Command Create(CliEnvironment environment)
    {
        var command = new Command("watch", """
            Live view of machines and services, refreshed in place every 5 seconds and on every change.
            Ctrl+C to exit. With --json, one status document per line at every refresh.

            Examples:
              koi health watch
            """);
        command.SetHandler(environment, async (cli, ct) =>
        {
            // The first fetch fails like any command (exit 3 without a daemon); later failures are shown and retried.
            var first = await cli.Daemon.GetAsync<HealthStatusView>("/v1/health/status", ct);
            var changes = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var listener = ListenAsync(cli, changes.Writer, stop.Token);
            try
            {
                if (cli.Json)
                {
                    await LoopAsync(cli, first, changes.Reader, status => cli.Stdout.WriteLine(JsonSerializer.Serialize(status, HealthJsonContext.Default.HealthStatusView)), _ => { }, ct);
                }
                else
                {
                    await cli.Out.Live(Render(cli, first, null))
                        .AutoClear(false)
                        .Overflow(VerticalOverflow.Crop)
                        .StartAsync(async live => await LoopAsync(
                            cli,
                            first,
                            changes.Reader,
                            status => Show(live, Render(cli, status, null)),
                            error => Show(live, Render(cli, null, error)),
                            ct));
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                // Ctrl+C is how watch is meant to end.
            }
            finally
            {
                await stop.CancelAsync();
                await listener;
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static void Show(LiveDisplayContext live, IRenderable view)
    {
        live.UpdateTarget(view);
        live.Refresh();
    }

    private static async Task LoopAsync(
        CliContext cli, HealthStatusView first, ChannelReader<bool> changes, Action<HealthStatusView> show, Action<string> showError, CancellationToken ct)
    {
        show(first);
        while (true)
        {
            using (var wait = CancellationTokenSource.CreateLinkedTokenSource(ct))
            {
                wait.CancelAfter(Refresh);
                try
                {
                    await changes.WaitToReadAsync(wait.Token);
                    changes.TryRead(out _);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    // The periodic refresh: "last seen" ages and machines go down without an event of their own.
                }
            }

            try
            {
                show(await cli.Daemon.GetAsync<HealthStatusView>("/v1/health/status", ct));
            }
            catch (Exception ex) when (ex is DaemonUnreachableException or DaemonErrorException)
            {
                showError(ex.Message);
            }
        }
    }

    private static Rows Render(CliContext cli, HealthStatusView? status, string? error)
    {
        var width = Math.Max(20, cli.Out.Profile.Width);
        var lines = new List<IRenderable>
        {
            new Markup($"[bold]{TerminalText.Markup(HealthView.Fit("koi health watch", width))}[/]"),
            new Markup($"[dim]{TerminalText.Markup(HealthView.Fit(Stamp(status) + "every 5s and on each change · Ctrl+C to exit", width))}[/]"),
        };
        if (error is not null)
        {
            lines.Add(new Markup($"[red]{TerminalText.Markup(HealthView.Fit("daemon: " + error, width))}[/]"));
        }

        if (status is not null)
        {
            lines.AddRange(HealthView.Lines(status, width, wholeLine: true));
        }

        return new Rows(lines);
    }

    private static string Stamp(HealthStatusView? status) =>
        status is null ? string.Empty : status.Now.UtcDateTime.ToString("HH:mm:ss", CultureInfo.InvariantCulture) + " UTC · ";

    /// <summary>Signals a refresh on every health event; reconnects (bounded pace) when the stream ends or fails.</summary>
    private static async Task ListenAsync(CliContext cli, ChannelWriter<bool> changes, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/events?capability=health");
                request.Headers.Accept.ParseAdd("text/event-stream");
                using var response = await cli.Daemon.SendRawAsync(request, ct);
                await using var body = await response.Content.ReadAsStreamAsync(ct);

                // Connected: catch up on anything that happened while the stream was down.
                changes.TryWrite(true);
                await foreach (var _ in SseParser.Create(body).EnumerateAsync(ct))
                {
                    changes.TryWrite(true);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is DaemonUnreachableException or DaemonErrorException or HttpRequestException or IOException)
            {
            }

            try
            {
                await Task.Delay(Reconnect, ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
