using System.CommandLine;
using System.Globalization;
using Koi.Mdns.Api;

namespace Koi.Cli.Commands.Mdns;

/// <summary><c>koi mdns resolve INSTANCE</c>: host, port, addresses and TXT of one service instance.</summary>
internal static class MdnsResolveCommand
{
    public static Command Create(CliEnvironment environment, Option<string[]> interfaces)
    {
        var instance = new Argument<string>("instance") { Description = "Instance and type, e.g. \"My App._http._tcp\"" };
        var timeout = new Option<double>("--timeout") { Description = "Seconds to wait for an answer", DefaultValueFactory = _ => 3 };
        var command = new Command("resolve", """
            Resolve one service instance to host, port, addresses and TXT.

            Examples:
              koi mdns resolve "My App._http._tcp"
              koi mdns resolve "stone-a._koi._tcp.local" --json
            """);
        command.Arguments.Add(instance);
        command.Options.Add(timeout);
        command.SetHandler(environment, async (cli, ct) =>
        {
            var name = cli.Parse.GetValue(instance)!;
            var seconds = cli.Parse.GetValue(timeout);
            if (seconds is <= 0 or > 3600 || double.IsNaN(seconds))
            {
                throw new UsageException("--timeout must be above 0 and at most 3600 seconds");
            }

            ServiceView? service;
            if (await MdnsLocalEngine.DaemonRunsMdnsAsync(cli, ct))
            {
                var path = $"/v1/mdns/resolve?name={Uri.EscapeDataString(name)}&timeout={seconds.ToString(CultureInfo.InvariantCulture)}";
                service = await cli.Daemon.SendAsync<ServiceView>(HttpMethod.Get, path, null, ct);
            }
            else
            {
                await using var engine = await MdnsLocalEngine.StartAsync(cli.Parse.GetValue(interfaces) ?? [], ct);
                var found = await engine.ResolveAsync(name, TimeSpan.FromSeconds(seconds), ct);
                service = found is null ? null : ServiceView.Of(found);
            }

            if (service is null)
            {
                return CliCommand.Fail(cli, "not_found", $"'{name}' did not resolve within {seconds:0.#} s", ExitCodes.Failed);
            }

            if (cli.Json)
            {
                cli.WriteJson(service);
            }
            else
            {
                cli.Stdout.WriteLine(MdnsOutput.Describe(service));
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
