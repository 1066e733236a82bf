using System.CommandLine;

namespace Koi.Cli.Commands.Dns;

/// <summary><c>koi dns …</c>: the local resolver, through the daemon's <c>/v1/dns</c> API.</summary>
internal static class DnsCommand
{
    public static Command Create(CliEnvironment environment)
    {
        var command = new Command("dns", """
            The local DNS resolver: the .lan zone from static entries, certmesh and mDNS; everything else forwarded.

            Examples:
              koi dns serve --port 53 --upstream 192.168.1.1
              koi dns add nas 192.168.1.20
              koi dns lookup grafana.lan
              koi dns list --format hosts
            """);
        command.Subcommands.Add(DnsServeCommand.Create(environment));
        command.Subcommands.Add(DnsServeCommand.CreateStop(environment));
        command.Subcommands.Add(DnsStatusCommand.Create(environment));
        command.Subcommands.Add(DnsLookupCommand.Create(environment));
        command.Subcommands.Add(DnsEntryCommands.CreateAdd(environment));
        command.Subcommands.Add(DnsEntryCommands.CreateRemove(environment));
        command.Subcommands.Add(DnsEntryCommands.CreateList(environment));
        return command;
    }
}
