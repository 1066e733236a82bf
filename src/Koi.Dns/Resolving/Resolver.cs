using Koi.Dns.Forwarding;
using Koi.Dns.Protocol;

namespace Koi.Dns.Resolving;

/// <summary>
/// The resolver of one serving run: the query handler for koi's names and the forwarder for everything else, with a
/// bound on forwarded queries in flight so a flood of queries for outside names cannot pile up unbounded work.
/// </summary>
internal sealed class Resolver(QueryHandler handler, UpstreamForwarder forwarder, DnsCounters counters, int maxForwardsInFlight)
    : IAsyncDisposable
{
    private int _inFlight;

    public QueryHandler Handler => handler;

    public UpstreamForwarder Forwarder => forwarder;

    public DnsCounters Counters => counters;

    public async Task<ForwardResult> ForwardAsync(ReadOnlyMemory<byte> query, Memory<byte> response, int responseLimit, CancellationToken cancellationToken)
    {
        if (Interlocked.Increment(ref _inFlight) > maxForwardsInFlight)
        {
            Interlocked.Decrement(ref _inFlight);
            return Failed(query.Span, response.Span);
        }

        try
        {
            var result = await forwarder.ForwardAsync(query, response, responseLimit, cancellationToken);
            if (result.Upstream is null)
            {
                counters.CountUpstreamFailure();
            }

            return result;
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    public ValueTask DisposeAsync() => forwarder.DisposeAsync();

    private ForwardResult Failed(ReadOnlySpan<byte> query, Span<byte> response)
    {
        counters.CountUpstreamFailure();
        var questionEnd = PacketInspection.FirstQuestionEnd(query);
        return new ForwardResult(
            PacketInspection.WriteHeaderOnlyResponse(query, questionEnd < 0 ? PacketInspection.HeaderSize : questionEnd, response, (byte)DnsResponseCode.ServerFailure, truncated: false),
            null);
    }
}
