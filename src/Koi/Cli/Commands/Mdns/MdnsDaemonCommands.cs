using System.CommandLine;
using System.Text.Json;
using Koi.Cli.Rendering;
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
                cli.WriteJson(new { Id = value, Unregistered = true });
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
            var status = await cli.Daemon.GetAsync<JsonElement>("/v1/mdns/status", ct);
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

    private static void Render(IAnsiConsole console, JsonElement status)
    {
        var stats = status.GetProperty("stats");
        console.MarkupLineInterpolated($"[bold]host[/] {TerminalText.Safe(stats.GetProperty("host_name").GetString())}");
        foreach (var nic in stats.GetProperty("interfaces").EnumerateArray())
        {
            var addresses = string.Join(", ", nic.GetProperty("addresses").EnumerateArray().Select(a => a.GetString()));
            console.MarkupLineInterpolated($"[bold]interface[/] {nic.GetProperty("name").GetString()}  {addresses}");
        }

        console.MarkupLineInterpolated(
            $"[bold]cache[/] {stats.GetProperty("cache_records").GetInt32()} records, {stats.GetProperty("services").GetInt32()} services  [bold]packets[/] in {stats.GetProperty("packets_in").GetInt64()}, out {stats.GetProperty("packets_out").GetInt64()}, malformed dropped {stats.GetProperty("packets_dropped_malformed").GetInt64()}");
        var table = new Table().AddColumns("id", "name", "host:port", "state");
        foreach (var registration in status.GetProperty("registrations").EnumerateArray())
        {
            table.AddRow(
                TerminalText.Markup(registration.GetProperty("id").GetString() ?? ""),
                TerminalText.Markup(registration.GetProperty("full_name").GetString() ?? ""),
                TerminalText.Markup($"{registration.GetProperty("host").GetString()}:{registration.GetProperty("port").GetInt32()}"),
                TerminalText.Markup(registration.GetProperty("state").GetString() ?? ""));
        }

        console.Write(table);
    }
}
