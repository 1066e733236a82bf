using System.CommandLine;
using System.Runtime.InteropServices;
using Koi.Cli.Output;

namespace Koi.Cli.Commands;

internal static class VersionCommand
{
    public static Command Create(CliEnvironment environment)
    {
        var command = new Command("version", "Print version, commit and runtime.\n\nExample:\n  koi version --json");
        command.SetHandler(environment, (cli, _) =>
        {
            if (cli.Json)
            {
                cli.WriteJson(new VersionOutput(
                    BuildInfo.Version, BuildInfo.Commit, BuildInfo.BuildDate, RuntimeInformation.FrameworkDescription, RuntimeInformation.RuntimeIdentifier));
            }
            else
            {
                cli.Stdout.WriteLine($"koi {BuildInfo.Version} (commit {BuildInfo.Commit}, built {BuildInfo.BuildDate}, {BuildInfo.Runtime})");
            }

            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }
}
