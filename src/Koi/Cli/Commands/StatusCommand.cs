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
        var nameWidth = status.Capabilities.Select(c => c.Name.Length).Concat(status.Components.Select(c => c.Name.Length)).DefaultIfEmpty(0).Max();
        // What is left of the terminal after the name and state columns and the table's cell padding (1 each side).
        var detailWidth = Math.Max(20, console.Profile.Width - nameWidth - "disabled".Length - 7);
        foreach (var capability in status.Capabilities)
        {
            table.AddRow(
                new Text(TerminalText.Safe(capability.Name)),
                StateMarkup(capability.State),
                new Text(Wrap(TerminalText.Safe(Detail(capability.Reason, capability.Summary)), detailWidth)));
        }

        foreach (var component in status.Components)
        {
            table.AddRow(new Text(TerminalText.Safe(component.Name)), StateMarkup(component.State), new Text(Wrap(TerminalText.Safe(component.Reason ?? string.Empty), detailWidth)));
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

    /// <summary>Breaks between the comma-separated figures, so "answered: 0" never ends one line and starts the next.</summary>
    private static string Wrap(string detail, int width)
    {
        var lines = new List<string>();
        var line = new System.Text.StringBuilder();
        foreach (var part in detail.Split(", "))
        {
            var piece = line.Length == 0 ? part : ", " + part;
            if (line.Length > 0 && line.Length + piece.Length + 1 > width)
            {
                lines.Add(line.Append(',').ToString());
                line.Clear();
                piece = part;
            }

            line.Append(piece);
        }

        lines.Add(line.ToString());
        return string.Join('\n', lines);
    }

    private static string Detail(string? reason, IReadOnlyDictionary<string, object?> summary)
    {
        var parts = new List<string>();
        foreach (var (key, value) in summary)
        {
            if (SummaryPart(key.Replace('_', ' '), value) is { } part)
            {
                parts.Add(part);
            }
        }

        if (reason is not null)
        {
            parts.Add(reason);
        }

        return string.Join(", ", parts);
    }

    /// <summary>
    /// One figure as a person reads it: a flag as its name or "not name", nothing at all for an empty value
    /// ("member of: " says less than leaving it out), numbers and words as they are.
    /// </summary>
    private static string? SummaryPart(string name, object? value)
    {
        if (value is System.Text.Json.JsonElement json)
        {
            value = json.ValueKind switch
            {
                System.Text.Json.JsonValueKind.True => true,
                System.Text.Json.JsonValueKind.False => false,
                System.Text.Json.JsonValueKind.Null or System.Text.Json.JsonValueKind.Undefined => null,
                System.Text.Json.JsonValueKind.String => json.GetString(),
                _ => json.GetRawText(),
            };
        }

        return value switch
        {
            null => null,
            bool flag => flag ? name : $"not {name}",
            string { Length: 0 } => null,
            _ => $"{name}: {Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)}",
        };
    }

    private static string FormatUptime(long seconds) => seconds switch
    {
        < 60 => $"{seconds}s",
        < 3600 => $"{seconds / 60}m",
        < 86400 => $"{seconds / 3600}h{seconds % 3600 / 60:00}m",
        _ => $"{seconds / 86400}d{seconds % 86400 / 3600}h",
    };
}
