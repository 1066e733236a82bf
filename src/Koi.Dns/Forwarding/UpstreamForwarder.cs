using System.Net;
using Koi.Dns.Protocol;
using Koi.Dns.Resolving;

namespace Koi.Dns.Forwarding;

/// <summary>
/// Forwards queries for names outside koi's zone (seed 001 §5.2): no recursion of its own, no cache. Upstreams are
/// tried in order over UDP, with a TCP retry when the answer is truncated; EDNS and everything else in the query pass
/// through unchanged except the id. When no upstream answers in time the client gets SERVFAIL.
/// </summary>
internal sealed class UpstreamForwarder : IAsyncDisposable
{
    private readonly UdpUpstream[] _udp;
    private readonly TimeSpan _timeout;
    private readonly TimeProvider _time;

    public UpstreamForwarder(IReadOnlyList<IPEndPoint> upstreams, TimeSpan timeout, TimeProvider time)
    {
        Upstreams = upstreams;
        _timeout = timeout;
        _time = time;
        _udp = new UdpUpstream[upstreams.Count];
        for (var i = 0; i < upstreams.Count; i++)
        {
            _udp[i] = new UdpUpstream(upstreams[i], time);
        }
    }

    public IReadOnlyList<IPEndPoint> Upstreams { get; }

    /// <param name="query">The client's query as received.</param>
    /// <param name="response">At least <paramref name="responseLimit"/> bytes.</param>
    /// <param name="responseLimit">The client's size: larger answers become an empty TC response.</param>
    public async Task<ForwardResult> ForwardAsync(ReadOnlyMemory<byte> query, Memory<byte> response, int responseLimit, CancellationToken cancellationToken)
    {
        var questionEnd = PacketInspection.FirstQuestionEnd(query.Span);
        if (questionEnd < 0)
        {
            return new ForwardResult(
                PacketInspection.WriteHeaderOnlyResponse(query.Span, PacketInspection.HeaderSize, response.Span, (byte)DnsResponseCode.FormatError, truncated: false),
                null);
        }

        foreach (var upstream in _udp)
        {
            var answer = await upstream.QueryAsync(query, questionEnd, _timeout, cancellationToken);
            if (answer is not null && PacketInspection.IsTruncated(answer))
            {
                answer = await TcpUpstream.QueryAsync(upstream.Endpoint, query, questionEnd, _timeout, _time, cancellationToken) ?? answer;
            }

            if (answer is null)
            {
                continue;
            }

            if (answer.Length > responseLimit || answer.Length > response.Length)
            {
                return new ForwardResult(
                    PacketInspection.WriteHeaderOnlyResponse(query.Span, questionEnd, response.Span, answer[3], truncated: true),
                    upstream.Endpoint);
            }

            answer.CopyTo(response);
            // The client's id back in place of the random one koi used upstream.
            query.Span[..2].CopyTo(response.Span);
            return new ForwardResult(answer.Length, upstream.Endpoint);
        }

        return new ForwardResult(
            PacketInspection.WriteHeaderOnlyResponse(query.Span, questionEnd, response.Span, (byte)DnsResponseCode.ServerFailure, truncated: false),
            null);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var upstream in _udp)
        {
            await upstream.DisposeAsync();
        }
    }
}
