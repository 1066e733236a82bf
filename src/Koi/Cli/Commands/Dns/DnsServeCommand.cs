using System.CommandLine;
using Koi.Dns.Api;
using Koi.Dns.Zone;

namespace Koi.Cli.Commands.Dns;

internal static class DnsServeCommand
{
    public static Command Create(CliEnvironment environment)
    {
        var zone = new Option<string?>("--zone") { Description = "Zone koi answers for (default: lan)" };
        var port = new Option<int?>("--port") { Description = "UDP and TCP port (default: 53)" };
        var upstream = new Option<string[]>("--upstream") { Description = "Upstream resolver IP[:PORT] (repeatable; 'system' = the system's resolvers, the default)" };
        var listen = new Option<string[]>("--listen") { Description = "Address to listen on (repeatable; 'lan' = private LAN addresses and loopback, the default)" };
        var aliases = new Option<string?>("--service-aliases") { Description = "on|off: generate grafana.lan from _grafana._tcp (default: on)" };
        var publicClients = new Option<bool>("--allow-public-clients") { Description = "Also answer clients with public addresses (default: refused)" };
        var qps = new Option<int?>("--rate-limit") { Description = "Queries per second per client (default: 200)" };
        var burst = new Option<int?>("--rate-burst") { Description = "Burst per client (default: 400)" };
        var slip = new Option<int?>("--rate-slip") { Description = "Over the rate, answer every Nth UDP query with a truncated reply (TC) instead of REFUSED; 0 = off (default), 1-10" };
        var command = new Command("serve", """
            Start (or reconfigure) the resolver in the daemon. Settings are kept: flags left out keep their last value.

            Examples:
              koi dns serve
              koi dns serve --port 5353 --listen 127.0.0.1 --upstream 192.168.1.1
            """);
        foreach (var option in new Option[] { zone, port, upstream, listen, aliases, publicClients, qps, burst, slip })
        {
            command.Options.Add(option);
        }

        command.SetHandler(environment, async (cli, ct) =>
        {
            var body = new ServeRequest(
                cli.Parse.GetValue(zone),
                cli.Parse.GetValue(port),
                NullIfEmpty(cli.Parse.GetValue(upstream)),
                NullIfEmpty(cli.Parse.GetValue(listen)),
                OnOff(cli.Parse.GetValue(aliases)),
                cli.Parse.GetValue(publicClients) ? true : null,
                cli.Parse.GetValue(qps),
                cli.Parse.GetValue(burst),
                cli.Parse.GetValue(slip));
            var status = await cli.Daemon.SendAsync<DnsStatusView>(HttpMethod.Post, "/v1/dns/serve", body, ct);
            DnsStatusCommand.Print(cli, status);
            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command CreateStop(CliEnvironment environment)
    {
        var command = new Command("stop", "Stop the resolver (the setting is kept: the daemon will not serve DNS at its next start).");
        command.SetHandler(environment, async (cli, ct) =>
        {
            var status = await cli.Daemon.SendAsync<DnsStatusView>(HttpMethod.Post, "/v1/dns/stop", null, ct);
            DnsStatusCommand.Print(cli, status);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static string[]? NullIfEmpty(string[]? values) => values is { Length: > 0 } ? values : null;

    private static bool? OnOff(string? value) => value?.ToLowerInvariant() switch
    {
        null => null,
        "on" or "true" or "yes" => true,
        "off" or "false" or "no" => false,
        _ => throw new UsageException($"--service-aliases: '{value}' is not on or off"),
    };
}
