using System.CommandLine;

namespace Koi.Cli.Commands.Proxy;

/// <summary><c>koi proxy …</c>: HTTPS in front of plain-HTTP services, through the daemon's <c>/v1/proxy</c> API.</summary>
internal static class ProxyCommand
{
    public static Command Create(CliEnvironment environment)
    {
        var command = new Command("proxy", """
            Serve a plain-HTTP service over HTTPS with this machine's certmesh certificate: a TLS listener on a port,
            the decrypted bytes piped to the backend unchanged. Certificates reload on renewal, no restart.

            Examples:
              koi proxy add grafana --listen 443 --backend http://localhost:3000
              koi proxy add pgadmin --listen 8443 --backend http://localhost:5050
              koi proxy status
              koi proxy list
              koi proxy remove grafana
            """);
        command.Subcommands.Add(ProxyEntryCommands.CreateAdd(environment));
        command.Subcommands.Add(ProxyEntryCommands.CreateRemove(environment));
        command.Subcommands.Add(ProxyEntryCommands.CreateList(environment));
        command.Subcommands.Add(ProxyStatusCommand.Create(environment));
        return command;
    }
}
