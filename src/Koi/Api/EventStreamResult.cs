using System.Buffers;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Koi.Core.Events;
using Koi.Core.Storage;
using Microsoft.AspNetCore.Http.Features;

namespace Koi.Api;

/// <summary>
/// Streams a bus subscription as Server-Sent Events. The subscription is taken before the response starts and the
/// headers are flushed at once, so a client that has seen the headers has not missed anything published since.
/// </summary>
/// <param name="named">
/// false sends every event as the default <c>message</c> type (its kind stays in the data), for browsers: an
/// <c>EventSource</c> has no listener for "any event name", and the kinds are open-ended.
/// </param>
internal sealed class EventStreamResult(EventSubscription subscription, string? capability, CancellationToken stopping, bool named = true) : IResult
{
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        using var owned = subscription;
        var response = httpContext.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        httpContext.Features.GetRequiredFeature<IHttpResponseBodyFeature>().DisableBuffering();

        // Ends with the client, or with the daemon so shutdown never waits on an open stream.
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(httpContext.RequestAborted, stopping);
        try
        {
            await response.Body.FlushAsync(linked.Token);
            await SseFormatter.WriteAsync(Items(linked.Token), response.Body, Format, linked.Token);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async IAsyncEnumerable<SseItem<KoiEvent>> Items([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var evt in subscription.ReadAllAsync(cancellationToken))
        {
            if (capability is null || evt.Capability == capability)
            {
                yield return new SseItem<KoiEvent>(evt, named ? evt.Kind : null)
                {
                    EventId = evt.Id.ToString(System.Globalization.CultureInfo.InvariantCulture),
                };
            }
        }
    }

    private static void Format(SseItem<KoiEvent> item, IBufferWriter<byte> buffer)
    {
        using var writer = new Utf8JsonWriter(buffer);
        JsonSerializer.Serialize(writer, item.Data, AppJson.Options.Info<KoiEvent>());
    }
}
