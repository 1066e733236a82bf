using System.CommandLine;

namespace Koi.Cli.Commands.Mdns;

/// <summary><c>koi mdns …</c>, and the deprecated top-level <c>koi discover</c> / <c>koi announce</c>.</summary>
internal static class MdnsCommand
{
    public static Command Create(CliEnvironment environment)
    {
        var interfaces = InterfaceOption();
        var command = new Command("mdns", """
            Discover and announce services with mDNS / DNS-SD (what avahi and Bonjour speak).

            Examples:
              koi mdns discover _http._tcp
              koi mdns announce "My App" _http._tcp 8080 --txt path=/
              koi mdns resolve "My App._http._tcp"
              koi mdns status
            """);
        command.Options.Add(interfaces);
        command.Subcommands.Add(MdnsDiscoverCommand.Create(environment, interfaces));
        command.Subcommands.Add(MdnsAnnounceCommand.Create(environment, interfaces));
        command.Subcommands.Add(MdnsResolveCommand.Create(environment, interfaces));
        command.Subcommands.Add(MdnsDaemonCommands.Unregister(environment));
        command.Subcommands.Add(MdnsDaemonCommands.Status(environment));
        return command;
    }

    /// <summary>The old spellings still work but say where they went.</summary>
    public static IEnumerable<Command> Legacy(CliEnvironment environment)
    {
        var interfaces = InterfaceOption();
        var discover = MdnsDiscoverCommand.Create(environment, interfaces, "discover");
        var announce = MdnsAnnounceCommand.Create(environment, interfaces, "announce");
        foreach (var (command, modern) in new[] { (discover, "koi mdns discover"), (announce, "koi mdns announce") })
        {
            command.Options.Add(interfaces);
            command.Hidden = true;
            var action = command.Action!;
            command.SetAction(async (parse, ct) =>
            {
                await environment.Stderr.WriteLineAsync($"note: `koi {command.Name}` is deprecated; use `{modern}`");
                return await ((System.CommandLine.Invocation.AsynchronousCommandLineAction)action).InvokeAsync(parse, ct);
            });
            yield return command;
        }
    }

    private static Option<string[]> InterfaceOption() => new("--interface")
    {
        Description = "Use only this network interface (repeatable; default: every multicast-capable LAN interface)",
        Recursive = true,
    };
}
