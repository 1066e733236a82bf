using System.CommandLine;
using System.Text.Json;
using Koi.Cli.Rendering;
using Koi.Core.Storage;

namespace Koi.Cli.Commands;

/// <summary>
/// `koi ceremony NAME [--set key=value]…` runs any ceremony the daemon offers through the generic render loop.
/// Capability commands (e.g. `koi certmesh create`) use the same loop with their own flags.
/// </summary>
internal static class CeremonyCommand
{
    public static Command Create(CliEnvironment environment)
    {
        var name = new Argument<string>("name") { Description = "Ceremony name, e.g. demo" };
        var set = new Option<string[]>("--set") { Description = "Answer a prompt up front: key=value (repeatable)", AllowMultipleArgumentsPerToken = false };
        var command = new Command("ceremony", """
            Run a daemon ceremony interactively (or non-interactively with --set).

            Examples:
              koi ceremony demo
              koi ceremony demo --set name=Ada --set colour=blue --set secret=hunter22 --json
            """);
        command.Arguments.Add(name);
        command.Options.Add(set);
        command.SetHandler(environment, async (cli, ct) =>
        {
            var preset = ParsePairs(cli.Parse.GetValue(set) ?? []);
            var runner = new CeremonyRunner(cli, new PromptRenderer(cli.Out));
            var result = await runner.RunAsync(cli.Parse.GetValue(name)!, preset, ct);
            if (cli.Json)
            {
                cli.WriteJson(result);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    public static Dictionary<string, JsonElement> ParsePairs(IEnumerable<string> pairs)
    {
        var data = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var pair in pairs)
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new UsageException($"--set expects key=value, got '{pair}'");
            }

            data[pair[..equals]] = KoiJson.Element(pair[(equals + 1)..]);
        }

        return data;
    }
}
