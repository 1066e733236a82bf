using System.CommandLine;
using Koi.Cli.Rendering;
using Koi.Dns.Api;
using Koi.Dns.Zone;
using Spectre.Console;

namespace Koi.Cli.Commands.Dns;

internal static class DnsLookupCommand
{
    public static Command Create(CliEnvironment environment)
    {
        var name = new Argument<string>("name") { Description = "Name to look up, e.g. grafana.lan" };
        var type = new Option<string>("--type") { Description = "A|AAAA|SRV|TXT|NS|SOA|ANY", DefaultValueFactory = _ => "A" };
        var command = new Command("lookup", """
            Ask koi's own resolver, the way a client would, and show which source answered.

            Examples:
              koi dns lookup grafana.lan
              koi dns lookup _grafana._tcp.lan --type SRV
            """);
        command.Arguments.Add(name);
        command.Options.Add(type);
        command.SetHandler(environment, async (cli, ct) =>
        {
            var path = $"/v1/dns/lookup?name={Uri.EscapeDataString(cli.Parse.GetValue(name)!)}&type={Uri.EscapeDataString(cli.Parse.GetValue(type)!)}";
            var lookup = await cli.Daemon.GetAsync<LookupView>(path, ct);
            if (cli.Json)
            {
                cli.WriteJson(lookup);
            }
            else
            {
                var from = lookup.Source == "upstream" ? $"upstream {lookup.Upstream ?? "(none answered)"}" : lookup.Source;
                cli.Out.MarkupLine($"{TerminalText.Markup(lookup.Name)} {lookup.Type}: [bold]{lookup.Rcode}[/] from {TerminalText.Markup(from)}{(lookup.Authoritative ? " (authoritative)" : string.Empty)}");
                foreach (var answer in lookup.Answers)
                {
                    cli.Out.WriteLine(TerminalText.Safe($"  {answer.Section,-10} {answer.Name} {answer.Ttl} {answer.Type} {answer.Value}"));
                }
            }

            return lookup.Rcode is "NOERROR" or "NXDOMAIN" ? ExitCodes.Ok : ExitCodes.Failed;
        });
        return command;
    }
}
