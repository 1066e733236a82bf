using System.CommandLine;
using System.Globalization;
using System.Net.ServerSentEvents;
using System.Text.Json;
using Koi.Core.Discovery;
using Koi.Mdns;
using Koi.Mdns.Api;

namespace Koi.Cli.Commands.Mdns;

/// <summary><c>koi mdns discover [TYPE]</c>: services as they resolve, until the timeout.</summary>
internal static class MdnsDiscoverCommand
{
    public static Command Create(CliEnvironment environment, Option<string[]> interfaces, string name = "discover")
    {
        var type = new Argument<string?>("type") { Description = "Service type, e.g. _http._tcp (default: every type)", Arity = ArgumentArity.ZeroOrOne };
        var timeout = new Option<double>("--timeout") { Description = "Seconds to listen", DefaultValueFactory = _ => 5 };
        var command = new Command(name, """
            Discover services on the local network (through the daemon, or on its own when none runs).

            Examples:
              koi mdns discover                      every service type
              koi mdns discover _http._tcp --timeout 10
              koi mdns discover _ssh._tcp --json     one JSON object per line
            """);
        command.Arguments.Add(type);
        command.Options.Add(timeout);
        command.SetHandler(environment, async (cli, ct) =>
        {
            var seconds = cli.Parse.GetValue(timeout);
            if (seconds is <= 0 or > 86400 || double.IsNaN(seconds))
            {
                throw new UsageException("--timeout must be above 0 and at most 86400 seconds");
            }

            var serviceType = cli.Parse.GetValue(type);
            using var window = CancellationTokenSource.CreateLinkedTokenSource(ct);
            window.CancelAfter(TimeSpan.FromSeconds(seconds));
            var changes = await MdnsLocalEngine.DaemonRunsMdnsAsync(cli, ct)
                ? FromDaemonAsync(cli, serviceType, seconds, window.Token)
                : FromLocalEngineAsync(cli.Parse.GetValue(interfaces) ?? [], serviceType, window.Token);
            await foreach (var change in changes)
            {
                MdnsOutput.WriteEvent(cli, change);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static async IAsyncEnumerable<MdnsServiceEvent> FromDaemonAsync(
        CliContext cli, string? type, double seconds, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var query = $"/v1/mdns/discover?timeout={seconds.ToString(CultureInfo.InvariantCulture)}";
        if (!string.IsNullOrEmpty(type))
        {
            query += "&type=" + Uri.EscapeDataString(type);
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, query);
        request.Headers.Accept.ParseAdd("text/event-stream");
        HttpResponseMessage response;
        Stream body;
        try
        {
            response = await cli.Daemon.SendRawAsync(request, cancellationToken);
            body = await response.Content.ReadAsStreamAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The listening window closed before the daemon had anything to say.
            yield break;
        }

        using var owned = response;
        await using var ownedBody = body;
        var items = SseParser.Create(body).EnumerateAsync(cancellationToken);
        await using var enumerator = items.GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            SseItem<string> item;
            try
            {
                if (!await enumerator.MoveNextAsync())
                {
                    yield break;
                }

                item = enumerator.Current;
            }
            catch (OperationCanceledException)
            {
                yield break;
            }

            var service = JsonSerializer.Deserialize(item.Data, MdnsJsonContext.Default.ServiceView);
            if (service is not null && item.EventType is "resolved" or "removed")
            {
                yield return new MdnsServiceEvent(item.EventType, service);
            }
        }
    }

    private static async IAsyncEnumerable<MdnsServiceEvent> FromLocalEngineAsync(
        IReadOnlyList<string> interfaces, string? type, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var engine = await MdnsLocalEngine.StartAsync(interfaces, cancellationToken);
        await foreach (var change in engine.BrowseAsync(type, cancellationToken))
        {
            if (change.Kind is ServiceChangeKind.Resolved or ServiceChangeKind.Removed)
            {
                yield return new MdnsServiceEvent(change.Kind == ServiceChangeKind.Resolved ? "resolved" : "removed", ServiceView.Of(change.Service));
            }
        }
    }
}
