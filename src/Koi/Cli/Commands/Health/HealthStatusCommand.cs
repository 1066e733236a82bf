using System.CommandLine;
using Koi.Health.Api;
using Koi.Health.Checks;
using Koi.Health.Transitions;
using Spectre.Console;

namespace Koi.Cli.Commands.Health;

internal static class HealthStatusCommand
{
    public static Command Create(CliEnvironment environment)
    {
        var command = new Command("status", """
            Every machine koi knows (up/down from mDNS presence, last seen, certificate) and every service check.

            Examples:
              koi health status
              koi health status --json | jq '.services[] | select(.state == "down")'
            """);
        command.SetHandler(environment, async (cli, ct) =>
        {
            var status = await cli.Daemon.GetAsync<HealthStatusView>("/v1/health/status", ct);
            if (cli.Json)
            {
                cli.WriteJson(status);
                return ExitCodes.Ok;
            }

            cli.Out.WriteLine();
            cli.Out.Write(new Rows(HealthView.Lines(status, int.MaxValue, wholeLine: false)));
            return ExitCodes.Ok;
        });
        return command;
    }
}
