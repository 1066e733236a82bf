using System.CommandLine;
using System.Globalization;
using Koi.Health.Api;
using Koi.Health.Checks;
using Koi.Health.Transitions;

namespace Koi.Cli.Commands.Health;

internal static class HealthLogCommand
{
    public static Command Create(CliEnvironment environment)
    {
        var since = new Option<string?>("--since") { Description = "Only transitions from then on: 2h, 3d, 2026-02-10 or '2026-02-10 14:30' (UTC)" };
        var command = new Command("log", """
            State transitions of machines and services, oldest first (times in UTC). Only changes are logged,
            never every check.

            Examples:
              koi health log
              koi health log --since 1d
              koi health log --since 2026-02-10 --json
            """);
        command.Options.Add(since);
        command.SetHandler(environment, async (cli, ct) =>
        {
            var path = "/v1/health/log";
            if (cli.Parse.GetValue(since) is { } from)
            {
                path += "?since=" + Uri.EscapeDataString(from);
            }

            var transitions = await cli.Daemon.GetAsync<List<Transition>>(path, ct);
            if (cli.Json)
            {
                cli.WriteJson(transitions);
                return ExitCodes.Ok;
            }

            foreach (var t in transitions)
            {
                // The same layout as logs/health.log.
                var at = t.At.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
                cli.Stdout.WriteLine($"{at} | {t.Subject,-10} | {t.From + " → " + t.To,-12} | {t.Reason}");
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
