using System.CommandLine;
using Koi.Cli.Rendering;
using Koi.Core.Storage;
using Koi.Dns.Api;
using Koi.Dns.Zone;
using Spectre.Console;

namespace Koi.Cli.Commands.Dns;

internal static class DnsEntryCommands
{
    public static Command CreateAdd(CliEnvironment environment)
    {
        var name = new Argument<string>("name") { Description = "nas or nas.lan" };
        var address = new Argument<string>("ip") { Description = "A private IPv4 or IPv6 address" };
        var command = new Command("add", """
            Add a static entry (the hosts-file replacement). It wins over names certmesh and mDNS generate.
            Public addresses are refused: a zone name never resolves outside the LAN.

            Examples:
              koi dns add nas 192.168.1.20
            """);
        command.Arguments.Add(name);
        command.Arguments.Add(address);
        command.SetHandler(environment, async (cli, ct) =>
        {
            var added = await cli.Daemon.SendAsync<EntryAdded>(
                HttpMethod.Post, "/v1/dns/entries", new EntryRequest(cli.Parse.GetValue(name)!, cli.Parse.GetValue(address)!), ct);
            if (cli.Json)
            {
                cli.WriteJson(added);
                return ExitCodes.Ok;
            }

            cli.Out.WriteLine(TerminalText.Safe(added.Created ? $"added {added.Name} → {added.Address}" : $"{added.Name} → {added.Address} already present"));
            foreach (var source in added.Shadows)
            {
                cli.Err.MarkupLine($"[yellow]warning:[/] {TerminalText.Markup(added.Name)} shadows the name {TerminalText.Markup(source)} generates");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command CreateRemove(CliEnvironment environment)
    {
        var name = new Argument<string>("name") { Description = "nas or nas.lan" };
        var command = new Command("remove", "Remove every static entry of a name.");
        command.Arguments.Add(name);
        command.SetHandler(environment, async (cli, ct) =>
        {
            var removed = await cli.Daemon.SendAsync<EntryRemoved>(
                HttpMethod.Delete, $"/v1/dns/entries/{Uri.EscapeDataString(cli.Parse.GetValue(name)!)}", null, ct);
            if (cli.Json)
            {
                cli.WriteJson(removed);
            }
            else
            {
                cli.Out.WriteLine(TerminalText.Safe($"removed {removed.Name} ({removed.Removed} address{(removed.Removed == 1 ? string.Empty : "es")})"));
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command CreateList(CliEnvironment environment)
    {
        var format = new Option<string>("--format") { Description = "table|hosts|dnsmasq|json", DefaultValueFactory = _ => "table" };
        var command = new Command("list", """
            Every resolvable name with its type, value and source; or the zone as a hosts file or dnsmasq lines.

            Examples:
              koi dns list
              koi dns list --format dnsmasq > /etc/dnsmasq.d/koi.conf
            """);
        command.Options.Add(format);
        command.SetHandler(environment, async (cli, ct) =>
        {
            var chosen = cli.Parse.GetValue(format)!.ToLowerInvariant();
            if (chosen is "hosts" or "dnsmasq")
            {
                using var response = await cli.Daemon.SendRawAsync(HttpMethod.Get, $"/v1/dns/zone?format={chosen}", null, ct);
                await cli.Stdout.WriteAsync(await response.Content.ReadAsStringAsync(ct));
                return ExitCodes.Ok;
            }

            if (chosen is not ("table" or "json"))
            {
                throw new UsageException($"--format: '{chosen}' is not table, hosts, dnsmasq or json");
            }

            var entries = await cli.Daemon.GetAsync<List<ZoneEntry>>("/v1/dns/entries", ct);
            if (cli.Json || chosen == "json")
            {
                cli.WriteJson(entries);
                return ExitCodes.Ok;
            }

            var table = new Table().NoBorder().AddColumn("NAME").AddColumn("TYPE").AddColumn("VALUE").AddColumn("SOURCE");
            foreach (var entry in entries)
            {
                table.AddRow(TerminalText.Markup(entry.Name), entry.Type, TerminalText.Markup(entry.Value), KoiJson.Name(entry.Source));
            }

            cli.Out.Write(table);
            return ExitCodes.Ok;
        });
        return command;
    }
}
