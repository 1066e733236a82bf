using System.CommandLine;
using System.Globalization;
using Koi.Cli.Rendering;
using Koi.Core.Storage;
using Koi.Health.Api;
using Koi.Health.Checks;
using Koi.Health.Transitions;
using Spectre.Console;

namespace Koi.Cli.Commands.Health;

/// <summary><c>koi health add</c> and <c>koi health remove</c>: the opt-in service checks.</summary>
internal static class HealthCheckCommands
{
    public static Command CreateAdd(CliEnvironment environment)
    {
        var name = new Argument<string>("name") { Description = "A name for the check, e.g. grafana" };
        var http = new Option<string?>("--http") { Description = "GET this URL; any 2xx is up (https validates against the system store and the mesh CA)" };
        var tcp = new Option<string?>("--tcp") { Description = "Connect to HOST:PORT; an accepted connection is up" };
        var interval = new Option<string?>("--interval") { Description = "Time between checks (default 30s)" };
        var timeout = new Option<string?>("--timeout") { Description = "Time one check may take (default 5s)" };
        var command = new Command("add", """
            Add a service check. It runs in the daemon from now on, survives restarts, and its state changes are logged.

            Examples:
              koi health add grafana --http https://stone-05:3000/health
              koi health add postgres --tcp stone-05:5432 --interval 1m --timeout 3s
            """);
        command.Arguments.Add(name);
        command.Options.Add(http);
        command.Options.Add(tcp);
        command.Options.Add(interval);
        command.Options.Add(timeout);
        command.SetHandler(environment, async (cli, ct) =>
        {
            var (url, endpoint) = (cli.Parse.GetValue(http), cli.Parse.GetValue(tcp));
            if ((url is null) == (endpoint is null))
            {
                throw new UsageException("give exactly one of --http URL or --tcp HOST:PORT");
            }

            var body = new CheckRequest(cli.Parse.GetValue(name)!, url, endpoint, cli.Parse.GetValue(interval), cli.Parse.GetValue(timeout));
            var added = await cli.Daemon.SendAsync<CheckDefinition>(HttpMethod.Post, "/v1/health/checks", body, ct);
            if (cli.Json)
            {
                cli.WriteJson(added);
            }
            else
            {
                var every = added.IntervalSecs.ToString("0.###", CultureInfo.InvariantCulture);
                var within = added.TimeoutSecs.ToString("0.###", CultureInfo.InvariantCulture);
                cli.Out.WriteLine(TerminalText.Safe($"added {added.Name}: {KoiJson.Name(added.Kind).ToUpperInvariant()} {added.Target}, every {every}s, timeout {within}s"));
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command CreateRemove(CliEnvironment environment)
    {
        var name = new Argument<string>("name") { Description = "The check to remove" };
        var command = new Command("remove", """
            Remove a service check. Its past transitions stay in the log.

            Examples:
              koi health remove grafana
            """);
        command.Arguments.Add(name);
        command.SetHandler(environment, async (cli, ct) =>
        {
            var removed = await cli.Daemon.SendAsync<CheckRemovedView>(
                HttpMethod.Delete, $"/v1/health/checks/{Uri.EscapeDataString(cli.Parse.GetValue(name)!)}", null, ct);
            if (cli.Json)
            {
                cli.WriteJson(removed);
            }
            else
            {
                cli.Out.WriteLine(TerminalText.Safe($"removed {removed.Name}"));
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
