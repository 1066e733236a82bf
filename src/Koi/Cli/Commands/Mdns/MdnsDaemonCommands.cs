using System.CommandLine;
using System.Text.Json;
using Koi.Cli.Rendering;
using Koi.Cli.Output;
using Koi.Mdns.Api;
using Spectre.Console;

namespace Koi.Cli.Commands.Mdns;

/// <summary><c>koi mdns unregister ID</c> and <c>koi mdns status</c>: about the daemon's engine, so they need it.</summary>
internal static class MdnsDaemonCommands
{
    public static Command Unregister(CliEnvironment environment)
    {
        var id = new Argument<string>("id") { Description = "Registration id, as announce printed it" };
        var command = new Command("unregister", """
            Withdraw a service the daemon announces (goodbye packets go out at once).

            Example:
              koi mdns unregister 3f9a1c0d2b7e
            """);
        command.Arguments.Add(id);
        command.SetHandler(environment, async (cli, ct) =>
        {
            var value = cli.Parse.GetValue(id)!;
            using var response = await cli.Daemon.SendRawAsync(HttpMethod.Delete, $"/v1/mdns/announce/{Uri.EscapeDataString(value)}", null, ct);
            if (cli.Json)
            {
                cli.WriteJson(new UnregisteredOutput(value, true));
            }
            else
            {
                cli.Stdout.WriteLine($"unregistered {value}");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command Status(CliEnvironment environment)
    {
        var command = new Command("status", """
            The daemon's mDNS engine: interfaces, host name, registrations, cache and packet counters.

            Examples:
              koi mdns status
              koi mdns status --json
            """);
        command.SetHandler(environment, async (cli, ct) =>
        {
            var status = await cli.Daemon.GetAsync<MdnsStatusView>("/v1/mdns/status", ct);
            if (cli.Json)
            {
                cli.WriteJson(status);
                return ExitCodes.Ok;
            }

            Render(cli.Out, status);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static void Render(IAnsiConsole console, MdnsStatusView status)
    {
        var stats = status.Stats;
        console.MarkupLineInterpolated($"[bold]host[/] {TerminalText.Safe(stats.HostName)}");
        foreach (var nic in stats.Interfaces)
        {
            console.MarkupLineInterpolated($"[bold]interface[/] {nic.Name}  {string.Join(", ", nic.Addresses)}");
        }

        console.MarkupLineInterpolated(
            $"[bold]cache[/] {stats.CacheRecords} records, {stats.Services} services  [bold]packets[/] in {stats.PacketsIn}, out {stats.PacketsOut}, malformed dropped {stats.PacketsDroppedMalformed}");
        var table = new Table().AddColumns("id", "name", "host:port", "state");
        foreach (var registration in status.Registrations)
        {
            table.AddRow(
                TerminalText.Markup(registration.Id),
                TerminalText.Markup(registration.FullName),
                TerminalText.Markup($"{registration.Host}:{registration.Port}"),
                TerminalText.Markup(registration.State));
        }

        console.Write(table);
    }
}
