using System.CommandLine;
using Koi.Cli.Rendering;
using Koi.Core.Storage;
using Koi.Dns.Api;
using Koi.Dns.Zone;
using Spectre.Console;

namespace Koi.Cli.Commands.Dns;

internal static class DnsStatusCommand
{
    public static Command Create(CliEnvironment environment)
    {
        var command = new Command("status", "Zone, listen addresses, upstreams, names by source and query counters.");
        command.SetHandler(environment, async (cli, ct) =>
        {
            Print(cli, await cli.Daemon.GetAsync<DnsStatusView>("/v1/dns/status", ct));
            return ExitCodes.Ok;
        });
        return command;
    }

    public static void Print(CliContext cli, DnsStatusView status)
    {
        if (cli.Json)
        {
            cli.WriteJson(status);
            return;
        }

        var console = cli.Out;
        console.MarkupLine(status.Serving
            ? $"[green]serving[/] zone [bold]{TerminalText.Markup(status.Zone)}[/] on {TerminalText.Markup(string.Join(", ", status.Listen))}"
            : $"[yellow]not serving[/] (zone {TerminalText.Markup(status.Zone)}){(status.Error is null ? string.Empty : " — " + TerminalText.Markup(status.Error))}");
        if (status.Serving && status.Error is not null)
        {
            // Serving, but a listener loop or an upstream receiver stopped since: still answering, not whole.
            console.MarkupLine($"[red]error:[/] {TerminalText.Markup(status.Error)}");
        }

        var upstreams = status.Upstreams.Count == 0 ? "none" : string.Join(", ", status.Upstreams);
        console.WriteLine($"upstreams:  {upstreams} ({status.UpstreamSource})");
        console.WriteLine($"names:      {status.Names.Total} (static {status.Names.Static}, certmesh {status.Names.Certmesh}, mdns {(status.MdnsSource ? status.Names.Mdns.ToString(System.Globalization.CultureInfo.InvariantCulture) : "off")})");
        console.WriteLine($"clients:    {(status.AllowPublicClients ? "any" : "private addresses only")}, {status.RateLimit.Qps} qps (burst {status.RateLimit.Burst}) each{(status.RateLimit.Slip > 0 ? $", slip 1 in {status.RateLimit.Slip}" : string.Empty)}");
        var c = status.Counters;
        console.WriteLine($"queries:    answered {c.Answered}, forwarded {c.Forwarded}, refused {c.Refused}, rate-limited {c.RateLimited} (slipped {c.Slipped}), malformed {c.Malformed}, upstream failures {c.UpstreamFailures}");
        foreach (var shadow in status.Shadowed)
        {
            console.MarkupLine($"[yellow]warning:[/] static entry {TerminalText.Markup(shadow.Name)} shadows a name from {KoiJson.Name(shadow.Hidden)}");
        }
    }
}
