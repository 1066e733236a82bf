using System.CommandLine;

namespace Koi.Cli.Commands.Health;

/// <summary><c>koi health …</c>: machine and service health, through the daemon's <c>/v1/health</c> API.</summary>
internal static class HealthCommand
{
    public static Command Create(CliEnvironment environment)
    {
        var command = new Command("health", """
            Is everything up right now, and if not, since when? Machines come for free from mDNS presence;
            services are checked once you add them.

            Examples:
              koi health status
              koi health add grafana --http https://stone-05:3000/health
              koi health add postgres --tcp stone-05:5432
              koi health watch
              koi health log --since 1d
            """);
        command.Subcommands.Add(HealthStatusCommand.Create(environment));
        command.Subcommands.Add(HealthWatchCommand.Create(environment));
        command.Subcommands.Add(HealthCheckCommands.CreateAdd(environment));
        command.Subcommands.Add(HealthCheckCommands.CreateRemove(environment));
        command.Subcommands.Add(HealthLogCommand.Create(environment));
        return command;
    }
}
