using System.CommandLine;
using System.Globalization;
using Koi.Cli.Rendering;
using Koi.Proxy.Api;
using Koi.Proxy.Entries;
using Spectre.Console;

namespace Koi.Cli.Commands.Proxy;

internal static class ProxyStatusCommand
{
    public static Command Create(CliEnvironment environment)
    {
        var command = new Command("status", """
            Every proxy entry with its live state: listening or failed (and why), backend reachable or not, connections,
            bytes, the certificate it presents, the last error.

            Examples:
              koi proxy status
              koi proxy status --json | jq '.entries[] | select(.state != "listening")'
            """);
        command.SetHandler(environment, async (cli, ct) =>
        {
            var status = await cli.Daemon.GetAsync<ProxyStatusView>("/v1/proxy/status", ct);
            if (cli.Json)
            {
                cli.WriteJson(status);
                return ExitCodes.Ok;
            }

            if (status.Problem is not null)
            {
                cli.Out.MarkupLine($"[red]✗[/] {TerminalText.Markup(status.Problem)}");
            }

            if (status.Entries.Count == 0)
            {
                cli.Out.WriteLine("no proxy entries; add one with: koi proxy add NAME --listen PORT --backend http://localhost:PORT");
            }

            foreach (var entry in status.Entries)
            {
                PrintEntry(cli.Out, entry);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    public static void PrintEntry(IAnsiConsole console, ProxyEntryStatusView entry)
    {
        var state = entry.State switch
        {
            "listening" => $"[green]✓ listening[/] {TerminalText.Markup(entry.Listen)}",
            "failed" => $"[red]✗ failed[/]: {TerminalText.Markup(entry.Detail ?? "unknown reason")}",
            _ => $"[yellow]{TerminalText.Markup(entry.State)}[/]{(entry.Detail is null ? string.Empty : ": " + TerminalText.Markup(entry.Detail))}",
        };
        var backend = entry.BackendState switch
        {
            "reachable" => $"[green]✓[/] {TerminalText.Markup(entry.Backend)}",
            "unreachable" => $"[red]✗[/] {TerminalText.Markup(entry.Backend)} ({TerminalText.Markup(entry.BackendDetail ?? "unreachable")})",
            _ => $"? {TerminalText.Markup(entry.Backend)}",
        };
        console.MarkupLine($"[bold]{TerminalText.Markup(entry.Name)}[/]  {state}");
        console.MarkupLine($"    backend {backend}");
        if (entry.Clients == "mesh")
        {
            console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    clients: mesh members only · {entry.ClientsRefused} refused at the handshake"));
        }

        console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"    {entry.ConnectionsOpen} open, {entry.ConnectionsTotal} total · in {Bytes(entry.BytesIn)} · out {Bytes(entry.BytesOut)}"));
        if (entry.BackendFailures > 0 || entry.HandshakeFailures > 0)
        {
            console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"    closed: {entry.BackendFailures} backend unreachable, {entry.HandshakeFailures} TLS handshake failed"));
        }
        var certificate = entry.Certificate;
        if (certificate.Serial is not null)
        {
            console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"    certificate serial {certificate.Serial}, {certificate.DaysRemaining}d left, {certificate.Path}"));
        }

        if (certificate.Problem is not null)
        {
            console.MarkupLine($"    [yellow]certificate problem:[/] {TerminalText.Markup(certificate.Problem)}");
        }

        if (entry.LastError is not null)
        {
            console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    last error {entry.LastErrorAt?.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z: {entry.LastError}"));
        }
    }

    private static string Bytes(long bytes) => bytes switch
    {
        < 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes} B"),
        < 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.#} KiB"),
        < 1024L * 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024):0.#} MiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024 * 1024):0.##} GiB"),
    };
}
