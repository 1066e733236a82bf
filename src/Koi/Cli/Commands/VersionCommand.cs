using System.CommandLine;
using System.Runtime.InteropServices;

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
                cli.WriteJson(new
                {
                    version = BuildInfo.Version,
                    commit = BuildInfo.Commit,
                    runtime = RuntimeInformation.FrameworkDescription,
                    rid = RuntimeInformation.RuntimeIdentifier,
                });
            }
            else
            {
                cli.Stdout.WriteLine($"koi {BuildInfo.Version} (commit {BuildInfo.Commit}, {BuildInfo.Runtime})");
            }

            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }
}
