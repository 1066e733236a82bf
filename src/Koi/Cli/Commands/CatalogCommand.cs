using System.CommandLine;
using Koi.Api;
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
            cli.Out.MarkupLine($"[yellow]{Markup.Escape(unreachable ?? "daemon not reachable")}[/]");
        }

        cli.Out.WriteLine();
        cli.Out.MarkupLine("[bold]Commands[/]");
        foreach (var command in root.Subcommands)
        {
            if (!command.Hidden)
            {
                cli.Out.MarkupLine($"  {command.Name,-12} {Markup.Escape(FirstLine(command.Description))}");
            }
        }

        cli.Out.MarkupLine("\nRun [bold]koi <command> --help[/] for details and examples.");
        return ExitCodes.Ok;
    }

    private static string FirstLine(string? text) => text is null ? string.Empty : text.Split('\n')[0].Trim();
}
