using System.CommandLine;
using Koi.Cli.Commands;
using Koi.Cli.Commands.Certmesh;
using Koi.Cli.Commands.Dns;
using Koi.Cli.Commands.Health;
using Koi.Cli.Commands.Mdns;
using Koi.Cli.Commands.Proxy;

namespace Koi.Cli;

/// <summary>The `koi` command line: builds the command tree and runs one invocation.</summary>
internal static class KoiCli
{
    public static Task<int> RunAsync(string[] args) => RunAsync(args, Console.Out, Console.Error);

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        // `koi --daemon` is accepted as the same as `koi daemon` (docs/cli.md).
        if (args.Length > 0 && args[0] == "--daemon")
        {
            args = ["daemon", .. args[1..]];
        }

        var environment = new CliEnvironment(stdout, stderr);
        var root = BuildRoot(environment);
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                await stderr.WriteLineAsync($"error: {error.Message}");
            }

            await stderr.WriteLineAsync("Run `koi --help` for usage.");
            return ExitCodes.Usage;
        }

        return await parse.InvokeAsync(new InvocationConfiguration
        {
            Output = stdout,
            Error = stderr,
            ProcessTerminationTimeout = TimeSpan.FromSeconds(5),
        });
    }

    public static RootCommand BuildRoot(CliEnvironment environment)
    {
        var root = new RootCommand("""
            koi — a local network toolkit: discover, trust, name, watch and serve your LAN services.

            Examples:
              koi daemon                 run the daemon in the foreground
              koi status                 one-screen summary of every capability
              koi status --json          the same as one JSON document
              koi version
            """);
        environment.Globals.AddTo(root);
        root.Subcommands.Add(DaemonCommand.Create(environment));
        root.Subcommands.Add(StatusCommand.Create(environment));
        root.Subcommands.Add(VersionCommand.Create(environment));
        root.Subcommands.Add(MdnsCommand.Create(environment));
        root.Subcommands.Add(CertmeshCommand.Create(environment));
        root.Subcommands.Add(DnsCommand.Create(environment));
        root.Subcommands.Add(HealthCommand.Create(environment));
        root.Subcommands.Add(ProxyCommand.Create(environment));
        root.Subcommands.Add(CeremonyCommand.Create(environment));
        root.Subcommands.Add(DashboardCommand.Create(environment));
        root.Subcommands.Add(Koi.Demo.DemoCommand.Create(environment));
        root.Subcommands.Add(ServiceCommands.Install(environment));
        root.Subcommands.Add(ServiceCommands.Uninstall(environment));
        foreach (var legacy in MdnsCommand.Legacy(environment))
        {
            root.Subcommands.Add(legacy);
        }
        root.SetHandler(environment, (cli, ct) => CatalogCommand.RunAsync(cli, root, ct));
        return root;
    }
}
