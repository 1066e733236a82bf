using System.CommandLine;
using Koi.Api;
using Koi.Cli.Rendering;
using Koi.Core.Status;
using Spectre.Console;

namespace Koi.Cli.Commands;

internal static class StatusCommand
{
    public static Command Create(CliEnvironment environment)
    {
        var command = new Command("status", """
            One-screen summary of every capability, from the running daemon.

            Examples:
              koi status
              koi status --json | jq '.capabilities[] | {name, state}'
            """);
        command.SetHandler(environment, async (cli, ct) =>
        {
            var status = await cli.Daemon.GetAsync<DaemonStatus>("/v1/status", ct);
            if (cli.Json)
            {
                cli.WriteJson(status);
            }
            else
            {
                Render(cli.Out, status);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    public static void Render(IAnsiConsole console, DaemonStatus status)
    {
        console.MarkupLine($"[bold]koi v{TerminalText.Markup(status.Version)}[/] — local network toolkit  [dim]{TerminalText.Markup(status.Hostname)}, up {FormatUptime(status.UptimeSecs)}[/]");
        console.WriteLine();
        var table = new Table().NoBorder().HideHeaders().AddColumn("name").AddColumn("state").AddColumn("detail");
        foreach (var capability in status.Capabilities)
        {
            table.AddRow(
                new Text(TerminalText.Safe(capability.Name)),
                StateMarkup(capability.State),
                new Text(TerminalText.Safe(Detail(capability.Reason, capability.Summary))));
        }

        foreach (var component in status.Components)
        {
            table.AddRow(new Text(TerminalText.Safe(component.Name)), StateMarkup(component.State), new Text(TerminalText.Safe(component.Reason)));
        }

        console.Write(table);
    }

    public static Markup StateMarkup(ComponentState state) => state switch
    {
        ComponentState.Running => new Markup("[green]running[/]"),
        ComponentState.Failed => new Markup("[red]failed[/]"),
        ComponentState.Starting => new Markup("[yellow]starting[/]"),
        ComponentState.Stopped => new Markup("[yellow]stopped[/]"),
        _ => new Markup("[dim]disabled[/]"),
    };

    private static string Detail(string? reason, IReadOnlyDictionary<string, object?> summary)
    {
        var parts = new List<string>();
        foreach (var (key, value) in summary)
        {
            parts.Add($"{key.Replace('_', ' ')}: {value}");
        }

        if (reason is not null)
        {
            parts.Add(reason);
        }

        return string.Join(", ", parts);
    }

    private static string FormatUptime(long seconds) => seconds switch
    {
        < 60 => $"{seconds}s",
        < 3600 => $"{seconds / 60}m",
        < 86400 => $"{seconds / 3600}h{seconds % 3600 / 60:00}m",
        _ => $"{seconds / 86400}d{seconds % 86400 / 3600}h",
    };
}
