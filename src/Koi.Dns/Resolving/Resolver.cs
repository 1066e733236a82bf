using Koi.Dns.Forwarding;

namespace Koi.Dns.Resolving;

/// <summary>
/// The resolver of one serving run: the query handler for koi's names and the forwarder for everything else (which
/// bounds the forwarded queries in flight, so a flood of queries for outside names cannot pile up unbounded work).
/// </summary>
internal sealed class Resolver(QueryHandler handler, UpstreamForwarder forwarder, DnsCounters counters) : IAsyncDisposable
{
    public DnsCounters Counters => counters;

    public QueryHandler Handler => handler;

    public UpstreamForwarder Forwarder => forwarder;

    public ValueTask DisposeAsync() => forwarder.DisposeAsync();
}
