using Koi.Core.Ceremony;
using Koi.Core.Events;
using Koi.Core.Paths;
using Koi.Core.Status;
using Koi.Daemon;

namespace Koi.Api;

/// <summary>Routes that belong to the daemon itself rather than to one capability.</summary>
internal static class CoreEndpoints
{
    public static void Map(WebApplication app)
    {
        // Captured now, while the daemon starts; a static field would only be set by the first status request.
        var startedAt = app.Services.GetRequiredService<TimeProvider>().GetUtcNow();
        app.MapGet("/healthz", () => TypedResults.Ok(new LivenessView("ok")))
            .WithMetadata(PublicEndpoint.Instance);

        app.MapGet(DaemonProof.Route, (string? nonce, DaemonToken token) => DaemonProof.IsNonce(nonce)
                ? TypedResults.Ok(new DaemonProofAnswer(DaemonProof.Compute(token.Value, nonce!)))
                : throw new Core.Errors.KoiException(Core.Errors.KoiErrorCode.InvalidRequest, "nonce must be 32 to 128 hex digits"))
            .WithMetadata(PublicEndpoint.Instance);

        app.MapGet("/v1/status", (IServiceProvider services, StatusRegistry registry, CapabilitySet capabilities, KoiPaths paths, TimeProvider time) =>
            TypedResults.Ok(new DaemonStatus(
                BuildInfo.Version,
                BuildInfo.Commit,
                Environment.MachineName,
                Environment.ProcessId,
                (long)(time.GetUtcNow() - startedAt).TotalSeconds,
                paths.DataDir,
                capabilities.Describe(services, registry),
                registry.Snapshot("core"))));

        app.MapGet("/v1/events", (HttpContext context, IEventBus bus, IHostApplicationLifetime lifetime, string? capability) =>
        {
            long? after = long.TryParse(context.Request.Headers["Last-Event-ID"], out var id) ? id : null;
            return new EventStreamResult(bus.Subscribe(after), capability, lifetime.ApplicationStopping);
        }).Produces<KoiEvent>(StatusCodes.Status200OK, "text/event-stream");

        app.MapPost("/v1/ceremony", (CeremonyRequest request, CeremonyHost host, CancellationToken cancellationToken) =>
            host.ProcessAsync(request, cancellationToken));
    }
}

/// <summary><c>GET /healthz</c>: the process answers HTTP.</summary>
internal sealed record LivenessView(string Status);
