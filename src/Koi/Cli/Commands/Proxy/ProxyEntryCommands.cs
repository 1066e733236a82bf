using System.CommandLine;
using Koi.Cli.Rendering;
using Koi.Core.Storage;
using Koi.Proxy.Api;
using Koi.Proxy.Entries;
using Spectre.Console;

namespace Koi.Cli.Commands.Proxy;

/// <summary><c>koi proxy add</c>, <c>remove</c> and <c>list</c>: the configured entries.</summary>
internal static class ProxyEntryCommands
{
    public static Command CreateAdd(CliEnvironment environment)
    {
        var name = new Argument<string>("name") { Description = "A name for the entry, e.g. grafana" };
        var listen = new Option<string>("--listen") { Description = "TLS port to serve (every address), or ADDRESS:PORT for one address", Required = true };
        var backend = new Option<string>("--backend") { Description = "The plain-HTTP service: http://HOST:PORT (must be this machine unless --backend-remote)", Required = true };
        var remote = new Option<bool>("--backend-remote") { Description = "Allow a backend on another machine (the hop to it is NOT encrypted; logged as a warning)" };
        var certPath = new Option<string?>("--cert-path") { Description = "Directory with fullchain.pem and key.pem (default: certmesh's certs/<hostname>/)" };
        var http2 = new Option<bool>("--http2") { Description = "The backend speaks HTTP/2 without TLS (h2c): offer h2 to clients so HTTP/2 passes through" };
        var clients = new Option<string>("--clients")
        {
            Description = "Who may connect: any (default), or mesh — only machines with an active (not revoked) certificate of this mesh, checked at the TLS handshake",
            DefaultValueFactory = _ => "any",
        };
        clients.AcceptOnlyFromAmong("any", "mesh");
        var command = new Command("add", """
            Add a proxy entry: HTTPS on the port, forwarded to the backend. It starts at once and comes back with the daemon.
            The certificate comes from certmesh (koi certmesh create or join); there is no self-signed fallback.

            Examples:
              koi proxy add grafana --listen 443 --backend http://localhost:3000
              koi proxy add nas --listen 8443 --backend http://192.168.1.20:5000 --backend-remote
              koi proxy add lab --listen 127.0.0.1:9443 --backend http://[::1]:8080 --cert-path /etc/koi/lab-certs
              koi proxy add api --listen 8443 --backend http://localhost:50051 --http2
              koi proxy add grafana --listen 3443 --backend http://localhost:3000 --clients mesh
            """);
        command.Arguments.Add(name);
        command.Options.Add(listen);
        command.Options.Add(backend);
        command.Options.Add(remote);
        command.Options.Add(certPath);
        command.Options.Add(http2);
        command.Options.Add(clients);
        command.SetHandler(environment, async (cli, ct) =>
        {
            // The daemon does not share the CLI's working directory: a relative path means "from here".
            var path = cli.Parse.GetValue(certPath);
            var body = new ProxyEntryRequest(
                cli.Parse.GetValue(name)!,
                KoiJson.Element(cli.Parse.GetValue(listen)!),
                cli.Parse.GetValue(backend)!,
                cli.Parse.GetValue(remote),
                string.IsNullOrWhiteSpace(path) ? null : Path.GetFullPath(path),
                cli.Parse.GetValue(http2),
                cli.Parse.GetValue(clients));
            var added = await cli.Daemon.SendAsync<ProxyEntryStatusView>(HttpMethod.Post, "/v1/proxy/entries", body, ct);
            if (cli.Json)
            {
                cli.WriteJson(added);
                return ExitCodes.Ok;
            }

            cli.Out.WriteLine(TerminalText.Safe($"added {added.Name}: https {added.Listen} → {added.Backend}"));
            ProxyStatusCommand.PrintEntry(cli.Out, added);
            if (added.BackendRemote)
            {
                cli.Err.MarkupLine($"[yellow]warning:[/] {TerminalText.Markup(added.Backend)} is reached over the network unencrypted");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command CreateRemove(CliEnvironment environment)
    {
        var name = new Argument<string>("name") { Description = "The entry to remove" };
        var command = new Command("remove", """
            Remove a proxy entry: its listener closes, open connections through it end.

            Examples:
              koi proxy remove grafana
            """);
        command.Arguments.Add(name);
        command.SetHandler(environment, async (cli, ct) =>
        {
            var removed = await cli.Daemon.SendAsync<ProxyEntryRemovedView>(
                HttpMethod.Delete, $"/v1/proxy/entries/{Uri.EscapeDataString(cli.Parse.GetValue(name)!)}", null, ct);
            if (cli.Json)
            {
                cli.WriteJson(removed);
            }
            else
            {
                cli.Out.WriteLine(TerminalText.Safe($"removed {removed.Name}"));
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command CreateList(CliEnvironment environment)
    {
        var command = new Command("list", """
            Every configured proxy entry: name, listen port, backend and certificate directory.

            Examples:
              koi proxy list
              koi proxy list --json
            """);
        command.SetHandler(environment, async (cli, ct) =>
        {
            var entries = await cli.Daemon.GetAsync<List<ProxyEntryView>>("/v1/proxy/entries", ct);
            if (cli.Json)
            {
                cli.WriteJson(entries);
                return ExitCodes.Ok;
            }

            if (entries.Count == 0)
            {
                cli.Out.WriteLine("no proxy entries; add one with: koi proxy add NAME --listen PORT --backend http://localhost:PORT");
                return ExitCodes.Ok;
            }

            var table = new Table().NoBorder().AddColumn("NAME").AddColumn("LISTEN").AddColumn("BACKEND").AddColumn("CERTIFICATE");
            foreach (var entry in entries)
            {
                table.AddRow(
                    TerminalText.Markup(entry.Name),
                    TerminalText.Markup(entry.Listen),
                    TerminalText.Markup(entry.Backend + (entry.BackendRemote ? " (remote)" : string.Empty)),
                    TerminalText.Markup(entry.CertPath));
            }

            cli.Out.Write(table);
            return ExitCodes.Ok;
        });
        return command;
    }
}
