using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using Koi.Core.Ceremony;
using Koi.Core.Events;
using Koi.Core.Paths;
using Koi.Core.Status;
using Koi.Daemon;

namespace Koi.Api;

/// <summary>Routes that belong to the daemon itself rather than to one capability.</summary>
internal static class CoreEndpoints
{
    private static readonly DateTimeOffset StartedAt = DateTimeOffset.UtcNow;

    public static void Map(WebApplication app)
    {
        app.MapGet("/healthz", () => TypedResults.Ok(new { status = "ok" }))
            .WithMetadata(PublicEndpoint.Instance);

        app.MapGet("/v1/status", (IServiceProvider services, StatusRegistry registry, CapabilitySet capabilities, KoiPaths paths, TimeProvider time) =>
            TypedResults.Ok(new DaemonStatus(
                BuildInfo.Version,
                BuildInfo.Commit,
                Environment.MachineName,
                Environment.ProcessId,
                (long)(time.GetUtcNow() - StartedAt).TotalSeconds,
                paths.DataDir,
                capabilities.Describe(services, registry),
                registry.Snapshot("core"))));

        app.MapGet("/v1/events", (HttpContext context, IEventBus bus, IHostApplicationLifetime lifetime, string? capability) =>
        {
            long? after = long.TryParse(context.Request.Headers["Last-Event-ID"], out var id) ? id : null;
            return TypedResults.ServerSentEvents(Stream(bus, after, capability, context.RequestAborted, lifetime.ApplicationStopping));
        });

        app.MapPost("/v1/ceremony", (CeremonyRequest request, CeremonyHost host, CancellationToken cancellationToken) =>
            host.ProcessAsync(request, cancellationToken));
    }

    private static async IAsyncEnumerable<SseItem<KoiEvent>> Stream(
        IEventBus bus,
        long? after,
        string? capability,
        CancellationToken requestAborted,
        CancellationToken stopping,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        // Ends with the client, or with the daemon so shutdown never waits on an open stream.
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(requestAborted, stopping, cancellationToken);
        var events = bus.Subscribe(after, linked.Token).WithCancellation(linked.Token).ConfigureAwait(false);
        var enumerator = events.GetAsyncEnumerator();
        try
        {
            while (true)
            {
                try
                {
                    if (!await enumerator.MoveNextAsync())
                    {
                        yield break;
                    }
                }
                catch (OperationCanceledException)
                {
                    yield break;
                }

                var evt = enumerator.Current;
                if (capability is null || evt.Capability == capability)
                {
                    yield return new SseItem<KoiEvent>(evt, evt.Kind) { EventId = evt.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) };
                }
            }
        }
        finally
        {
            await enumerator.DisposeAsync();
        }
    }
}
