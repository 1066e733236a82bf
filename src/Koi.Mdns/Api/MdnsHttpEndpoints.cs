using System.Globalization;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using Koi.Core.Discovery;
using Koi.Core.Errors;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Hosting;

namespace Koi.Mdns.Api;

/// <summary>The routes under <c>/v1/mdns</c>. Every failure is a <see cref="KoiException"/>; the daemon turns it into JSON.</summary>
internal static class MdnsHttpEndpoints
{
    private static readonly TimeSpan DefaultDiscoverTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan DefaultResolveTimeout = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan MaxTimeout = TimeSpan.FromHours(24);

    public static void Map(IEndpointRouteBuilder group)
    {
        group.MapGet("/discover", DiscoverAsync)
            .Produces<IReadOnlyList<ServiceView>>(StatusCodes.Status200OK).Produces<ServiceView>(StatusCodes.Status200OK, "text/event-stream");
        group.MapPost("/announce", AnnounceAsync)
            .Produces<AnnounceResponse>(StatusCodes.Status201Created).Produces<AnnounceResponse>(StatusCodes.Status202Accepted);
        group.MapPut("/announce/{id}/heartbeat", Heartbeat);
        group.MapDelete("/announce/{id}", UnregisterAsync).Produces(StatusCodes.Status204NoContent);
        group.MapGet("/resolve", ResolveAsync);
        group.MapGet("/services", Services);
        group.MapGet("/status", Status);
    }

    private static async Task<IResult> DiscoverAsync(
        HttpContext context,
        MdnsEngine engine,
        IHostApplicationLifetime lifetime,
        string? type,
        string? timeout)
    {
        var wantsStream = context.Request.Headers.Accept.ToString().Contains("text/event-stream", StringComparison.OrdinalIgnoreCase);
        var limit = ParseTimeout(timeout, wantsStream ? null : DefaultDiscoverTimeout);
        // Validates the type now, so a bad one is a 400 before any stream starts.
        _ = engine.BrowseAsync(type, CancellationToken.None);
        if (wantsStream)
        {
            return TypedResults.ServerSentEvents(Stream(engine, type, limit, context.RequestAborted, lifetime.ApplicationStopping));
        }

        using var window = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        window.CancelAfter(limit!.Value);
        var latest = new Dictionary<string, ServiceView>(StringComparer.Ordinal);
        await foreach (var change in engine.BrowseAsync(type, window.Token))
        {
            if (change.Kind == ServiceChangeKind.Removed)
            {
                latest.Remove(change.Service.FullName);
            }
            else
            {
                latest[change.Service.FullName] = ServiceView.Of(change.Service);
            }
        }

        context.RequestAborted.ThrowIfCancellationRequested();
        var list = new List<ServiceView>(latest.Values);
        list.Sort((a, b) => string.CompareOrdinal(a.FullName, b.FullName));
        return TypedResults.Ok(list);
    }

    private static async IAsyncEnumerable<SseItem<ServiceView>> Stream(
        MdnsEngine engine,
        string? type,
        TimeSpan? limit,
        CancellationToken aborted,
        CancellationToken stopping,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        // Ends with the client, the daemon, or the requested timeout, so shutdown never waits on an open stream.
        using var window = CancellationTokenSource.CreateLinkedTokenSource(aborted, stopping, cancellationToken);
        if (limit is { } span)
        {
            window.CancelAfter(span);
        }

        await foreach (var change in engine.BrowseAsync(type, window.Token))
        {
            var kind = change.Kind switch
            {
                ServiceChangeKind.Found => "found",
                ServiceChangeKind.Resolved => "resolved",
                _ => "removed",
            };
            yield return new SseItem<ServiceView>(ServiceView.Of(change.Service), kind);
        }
    }

    private static async Task<IResult> AnnounceAsync(AnnounceRequest? request, MdnsEngine engine, LeaseKeeper leases)
    {
        if (request is null)
        {
            throw new KoiException(KoiErrorCode.InvalidRequest, "a JSON body {name, type, port, txt, ip, host, lease_secs} is required");
        }

        // lease_secs 0 is `koi mdns announce --detach`: kept until unregistered or the daemon stops.
        var length = request.LeaseSecs is { } secs ? TimeSpan.FromSeconds(secs) : LeaseKeeper.DefaultLease;
        var leased = length != TimeSpan.Zero;
        if (leased && (length < LeaseKeeper.MinLease || length > LeaseKeeper.MaxLease))
        {
            throw new KoiException(
                KoiErrorCode.InvalidRequest,
                $"lease_secs must be 0 (no lease) or {LeaseKeeper.MinLease.TotalSeconds:0} to {LeaseKeeper.MaxLease.TotalSeconds:0}");
        }

        if (request.Port is null)
        {
            throw new KoiException(KoiErrorCode.InvalidRequest, "port is required (1 to 65535)");
        }

        var registration = await engine.RegisterAsync(
            new ServiceRegistration
            {
                Name = request.Name ?? string.Empty,
                Type = request.Type ?? string.Empty,
                Port = request.Port.Value,
                Txt = request.Txt,
                Host = request.Host,
                Addresses = request.Ip is null ? null : [request.Ip],
            },
            // Probing ends within about a second; a client that left meanwhile leaves a lease that simply runs out.
            CancellationToken.None);
        var lease = leased ? leases.Add(registration.Id, length) : null;
        var location = $"/v1/mdns/announce/{registration.Id}";
        // 201 only when announcements went out; with no link open the registration is kept (202, state "waiting") and
        // announced once a link appears, and the client is not told it was announced (docs/mdns.md).
        return registration.State == MdnsRegistration.Waiting
            ? TypedResults.Accepted(location, Describe(registration, lease))
            : TypedResults.Created(location, Describe(registration, lease));
    }

    private static AnnounceResponse Heartbeat(string id, MdnsEngine engine, LeaseKeeper leases)
    {
        var registration = engine.GetRegistration(id);
        var lease = registration is null ? null : leases.Heartbeat(id);
        if (registration is null || lease is null)
        {
            throw new KoiException(KoiErrorCode.NotFound, $"no leased registration {id} (it may have expired; announce again)");
        }

        return Describe(registration, lease);
    }

    private static async Task<IResult> UnregisterAsync(string id, MdnsEngine engine, LeaseKeeper leases)
    {
        leases.Remove(id);
        if (!await engine.UnregisterAsync(id))
        {
            throw new KoiException(KoiErrorCode.NotFound, $"no registration {id}");
        }

        return TypedResults.NoContent();
    }

    private static async Task<ServiceView> ResolveAsync(string? name, string? timeout, MdnsEngine engine, CancellationToken cancellationToken)
    {
        var limit = ParseTimeout(timeout, DefaultResolveTimeout)!.Value;
        var service = await engine.ResolveAsync(name ?? string.Empty, limit, cancellationToken);
        return service is null
            ? throw new KoiException(KoiErrorCode.NotFound, $"'{name}' did not resolve within {limit.TotalSeconds:0.#} s")
            : ServiceView.Of(service);
    }

    private static List<ServiceView> Services(string? type, MdnsEngine engine)
    {
        var services = engine.Services(type);
        var list = new List<ServiceView>(services.Count);
        foreach (var service in services)
        {
            list.Add(ServiceView.Of(service));
        }

        return list;
    }

    private static MdnsStatusView Status(MdnsEngine engine, LeaseKeeper leases) =>
        new(engine.Stats, engine.Registrations(), leases.Count);

    private static AnnounceResponse Describe(MdnsRegistration registration, Lease? lease) => new(
        registration.Id,
        registration.Name,
        registration.Type,
        registration.FullName,
        registration.Host,
        registration.Port,
        lease is null ? 0 : (int)lease.Length.TotalSeconds,
        lease?.ExpiresAt,
        registration.State);

    private static TimeSpan? ParseTimeout(string? text, TimeSpan? fallback)
    {
        if (string.IsNullOrEmpty(text))
        {
            return fallback;
        }

        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) ||
            seconds <= 0 || seconds > MaxTimeout.TotalSeconds || double.IsNaN(seconds))
        {
            throw new KoiException(KoiErrorCode.InvalidRequest, $"timeout must be a number of seconds above 0 and at most {MaxTimeout.TotalSeconds:0}");
        }

        return TimeSpan.FromSeconds(seconds);
    }
}
