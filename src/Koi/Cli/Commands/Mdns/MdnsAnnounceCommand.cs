using System.CommandLine;
using Koi.Cli.Output;
using Koi.Mdns;
using Koi.Mdns.Api;

namespace Koi.Cli.Commands.Mdns;

/// <summary>
/// <c>koi mdns announce NAME TYPE PORT</c>: through the daemon a leased registration kept alive by heartbeats while
/// the command runs (<c>--detach</c> leaves it with the daemon); without a daemon, a responder of its own.
/// </summary>
internal static class MdnsAnnounceCommand
{
    public static Command Create(CliEnvironment environment, Option<string[]> interfaces, string name = "announce")
    {
        var instance = new Argument<string>("name") { Description = "Instance name, e.g. \"My App\"" };
        var type = new Argument<string>("type") { Description = "Service type, e.g. _http._tcp" };
        var port = new Argument<int>("port") { Description = "Port 1-65535" };
        var txt = new Option<string[]>("--txt") { Description = "TXT property key=value (repeatable)" };
        var ip = new Option<string?>("--ip") { Description = "Announce this address instead of the machine's own" };
        var host = new Option<string?>("--host") { Description = "Host label for the SRV target (HOST.local)" };
        var detach = new Option<bool>("--detach") { Description = "Leave the registration with the daemon and exit" };
        var command = new Command(name, """
            Announce a service on the local network until Ctrl+C (then goodbye packets withdraw it).

            Examples:
              koi mdns announce "My App" _http._tcp 8080 --txt path=/ --txt version=2
              koi mdns announce printer _ipp._tcp 631 --ip 192.168.1.40 --host printer
              koi mdns announce grafana _http._tcp 3000 --detach     stays until `koi mdns unregister ID`
            """);
        command.Arguments.Add(instance);
        command.Arguments.Add(type);
        command.Arguments.Add(port);
        command.Options.Add(txt);
        command.Options.Add(ip);
        command.Options.Add(host);
        command.Options.Add(detach);
        command.SetHandler(environment, async (cli, ct) =>
        {
            var request = new AnnounceRequest(
                cli.Parse.GetValue(instance)!,
                cli.Parse.GetValue(type)!,
                cli.Parse.GetValue(port),
                ParseTxt(cli.Parse.GetValue(txt) ?? []),
                cli.Parse.GetValue(ip),
                cli.Parse.GetValue(host),
                cli.Parse.GetValue(detach) ? 0 : null);
            if (await MdnsLocalEngine.DaemonRunsMdnsAsync(cli, ct))
            {
                return await ThroughDaemonAsync(cli, request, ct);
            }

            if (request.LeaseSecs == 0)
            {
                throw new UsageException("--detach needs a running daemon with mDNS (koi daemon)");
            }

            return await OnItsOwnAsync(cli, cli.Parse.GetValue(interfaces) ?? [], request, ct);
        });
        return command;
    }

    internal static Dictionary<string, string> ParseTxt(IEnumerable<string> pairs)
    {
        var txt = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in pairs)
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals == 0)
            {
                throw new UsageException($"--txt expects key=value, got '{pair}'");
            }

            // A key without '=' is a boolean attribute (RFC 6763 §6.4).
            txt[equals < 0 ? pair : pair[..equals]] = equals < 0 ? string.Empty : pair[(equals + 1)..];
        }

        return txt;
    }

    private static async Task<int> ThroughDaemonAsync(CliContext cli, AnnounceRequest request, CancellationToken ct)
    {
        var created = await cli.Daemon.SendAsync<AnnounceResponse>(HttpMethod.Post, "/v1/mdns/announce", request, ct);
        var announced = Report(cli, created.Id, created.FullName, created.Host, created.Port, request.LeaseSecs == 0, created.State);
        if (request.LeaseSecs == 0)
        {
            return announced ? ExitCodes.Ok : ExitCodes.NotAnnounced;
        }

        // Heart-beat well inside the lease, so one slow beat never lets the service lapse.
        var interval = TimeSpan.FromSeconds(Math.Max(1, created.LeaseSecs / 3));
        try
        {
            while (true)
            {
                await Task.Delay(interval, ct);
                var beat = await cli.Daemon.SendAsync<AnnounceResponse>(HttpMethod.Put, $"/v1/mdns/announce/{created.Id}/heartbeat", null, ct);
                announced |= ReportLateAnnouncement(cli, announced, beat.FullName, beat.Host, beat.Port, beat.State);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            using var bye = new CancellationTokenSource(TimeSpan.FromSeconds(3));
            using var response = await cli.Daemon.SendRawAsync(HttpMethod.Delete, $"/v1/mdns/announce/{created.Id}", null, bye.Token);
            cli.Stderr.WriteLine($"withdrawn {created.FullName}");
            return announced ? ExitCodes.Ok : ExitCodes.NotAnnounced;
        }
    }

    private static async Task<int> OnItsOwnAsync(CliContext cli, IReadOnlyList<string> interfaces, AnnounceRequest request, CancellationToken ct)
    {
        await using var engine = await MdnsLocalEngine.StartAsync(interfaces, ct);
        var registration = await engine.RegisterAsync(
            new ServiceRegistration
            {
                Name = request.Name!,
                Type = request.Type!,
                Port = request.Port!.Value,
                Txt = request.Txt!,
                Host = request.Host,
                Addresses = request.Ip is null ? null : [request.Ip],
            },
            ct);
        var announced = Report(cli, registration.Id, registration.FullName, registration.Host, registration.Port, detached: false, registration.State);
        try
        {
            while (true)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), ct);
                if (engine.GetRegistration(registration.Id) is { } now)
                {
                    announced |= ReportLateAnnouncement(cli, announced, now.FullName, now.Host, now.Port, now.State);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        // Disposing the engine sends the goodbyes.
        cli.Stderr.WriteLine($"withdrawn {registration.FullName}");
        return announced ? ExitCodes.Ok : ExitCodes.NotAnnounced;
    }

    /// <summary>Prints the registration; false when it is only registered (no interface to announce on yet).</summary>
    private static bool Report(CliContext cli, string id, string fullName, string host, int port, bool detached, string state)
    {
        var announced = state != MdnsRegistration.Waiting;
        if (cli.Json)
        {
            cli.WriteJson(new AnnouncedOutput(id, fullName, host, port, detached, state));
        }
        else if (announced)
        {
            cli.Stdout.WriteLine(detached
                ? $"announced {fullName} -> {host}:{port} (id {id}; stays with the daemon until `koi mdns unregister {id}`)"
                : $"announced {fullName} -> {host}:{port} (id {id}); Ctrl+C withdraws it");
        }
        else
        {
            // Nothing was sent: saying "announced" here would be the lie docs/mdns.md promises never to tell.
            cli.Stdout.WriteLine(detached
                ? $"registered {fullName} -> {host}:{port} (id {id}) but NOT announced: no network interface to announce on (see mdns/engine in `koi status`); the daemon keeps it and announces it as soon as one comes up, until `koi mdns unregister {id}`"
                : $"registered {fullName} -> {host}:{port} (id {id}) but NOT announced: no network interface to announce on; it is announced as soon as one comes up; Ctrl+C withdraws it");
        }

        cli.Stdout.Flush();
        return announced;
    }

    /// <summary>A registration that waited was announced after all (an interface came up): says so once, in text mode.</summary>
    private static bool ReportLateAnnouncement(CliContext cli, bool announcedBefore, string fullName, string host, int port, string state)
    {
        if (announcedBefore || state is not ("announcing" or "announced"))
        {
            return false;
        }

        if (!cli.Json)
        {
            cli.Stdout.WriteLine($"announced {fullName} -> {host}:{port} (an interface came up)");
            cli.Stdout.Flush();
        }

        return true;
    }
}
