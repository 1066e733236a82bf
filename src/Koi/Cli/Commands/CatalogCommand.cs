using System.CommandLine;
using Koi.Api;
using Koi.Cli.Rendering;
using Koi.Cli.Output;
using Spectre.Console;

namespace Koi.Cli.Commands;

/// <summary>Bare `koi`: the status summary when a daemon answers, then what can be run.</summary>
internal static class CatalogCommand
{
    public static async Task<int> RunAsync(CliContext cli, RootCommand root, CancellationToken cancellationToken)
    {
        DaemonStatus? status = null;
        string? unreachable = null;
        try
        {
            status = await cli.Daemon.GetAsync<DaemonStatus>("/v1/status", cancellationToken);
        }
        catch (DaemonUnreachableException ex)
        {
            unreachable = ex.Message;
        }

        var commands = new List<CatalogEntry>();
        foreach (var command in root.Subcommands)
        {
            if (!command.Hidden)
            {
                commands.Add(new CatalogEntry(command.Name, FirstLine(command.Description)));
            }
        }

        if (cli.Json)
        {
            cli.WriteJson(new CatalogOutput(status, unreachable, commands));
            return ExitCodes.Ok;
        }

        if (status is not null)
        {
            StatusCommand.Render(cli.Out, status);
        }
        else
        {
            cli.Out.MarkupLine($"[yellow]{TerminalText.Markup(unreachable ?? "daemon not reachable")}[/]");
        }

        cli.Out.WriteLine();
        cli.Out.MarkupLine("[bold]Commands[/]");
        // A table wraps each summary under itself at the terminal's width instead of under the command names.
        var table = new Table().NoBorder().HideHeaders().AddColumn("name", c => c.PadLeft(2).NoWrap()).AddColumn("summary");
        foreach (var command in root.Subcommands)
        {
            if (!command.Hidden)
            {
                table.AddRow(new Text(command.Name), new Text(TerminalText.Safe(FirstLine(command.Description))));
            }
        }

        cli.Out.Write(table);

        cli.Out.MarkupLine("\nRun [bold]koi <command> --help[/] for details and examples.");
        return ExitCodes.Ok;
    }

    /// <summary>
    /// The first sentence of a command's description: descriptions wrap their first paragraph in the source, so the
    /// first line alone can stop mid-sentence.
    /// </summary>
    internal static string FirstLine(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return string.Empty;
        }

        var paragraph = text.Replace("\r", "", StringComparison.Ordinal).Trim().Split("\n\n")[0];
        var joined = string.Join(' ', paragraph.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
        for (var i = 0; i < joined.Length - 1; i++)
        {
            if (joined[i] is '.' or '?' or '!' && joined[i + 1] == ' ')
            {
                return joined[..(i + 1)];
            }
        }

        return joined;
    }
}
