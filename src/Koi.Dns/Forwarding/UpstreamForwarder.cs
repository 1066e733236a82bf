using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Koi.Dns.Protocol;
using Koi.Dns.Resolving;
using Microsoft.Extensions.Logging;

namespace Koi.Dns.Forwarding;

/// <summary>
/// Forwards queries for names outside koi's zone: no recursion of its own, no cache. Upstreams are
/// tried in order over UDP, with a TCP retry when the answer is truncated; EDNS and everything else in the query pass
/// through unchanged except the id and the letter case of the question. When no upstream answers in time the client
/// gets SERVFAIL.
/// Against forged answers (RFC 5452): a random id, a random source port out of a rotating pool
/// (<see cref="UpstreamSockets"/>), a randomised question case (<see cref="CaseMix"/>); an answer is taken only when
/// all three match, from the upstream asked. The client gets its question back in its own case.
/// </summary>
/// <remarks>
/// The UDP path has no task, timer or thread-pool hop per query: the listener thread copies the query into a pooled
/// job, registers it under a random id in <see cref="PendingQueries"/> and sends it; the upstream's receive thread
/// matches the answer and sends it to the client itself. One periodic sweep over the table moves queries whose
/// upstream stayed silent to the next upstream, or answers them SERVFAIL.
/// </remarks>
internal sealed partial class UpstreamForwarder : IAsyncDisposable
{
    private const int StackQuerySize = 1232;

    private readonly UdpUpstream[] _udp;
    private readonly PendingQueries _pending = new();
    private readonly ForwardJobPool _pool;
    private readonly DnsCounters _counters;
    private readonly TimeSpan _timeout;
    private readonly long _timeoutTicks;
    private readonly int _maxInFlight;
    private readonly TimeProvider _time;
    private readonly ITimer _sweep;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private int _inFlight;
    private int _sweeping;
    private int _disposed;

    public UpstreamForwarder(
        IReadOnlyList<IPEndPoint> upstreams,
        TimeSpan timeout,
        int maxInFlight,
        DnsCounters counters,
        TimeProvider time,
        ILogger logger,
        Action<string>? upstreamStopped = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxInFlight, 1);
        Upstreams = upstreams;
        _timeout = timeout;
        _timeoutTicks = (long)(timeout.TotalSeconds * time.TimestampFrequency);
        _maxInFlight = maxInFlight;
        _logger = logger;
        _counters = counters;
        _time = time;
        _pool = new ForwardJobPool(maxInFlight);
        _udp = new UdpUpstream[upstreams.Count];
        for (var i = 0; i < upstreams.Count; i++)
        {
            // A replaced socket is read for two timeouts more: an answer later than that is given up on anyway.
            _udp[i] = new UdpUpstream(upstreams[i], i, OnDatagram, timeout * 2, time, logger, upstreamStopped);
        }

        // A tenth of the timeout, so a silent upstream is given up on within 10% of its time.
        var period = TimeSpan.FromTicks(Math.Clamp(timeout.Ticks / 10, TimeSpan.FromMilliseconds(10).Ticks, TimeSpan.FromMilliseconds(100).Ticks));
        _sweep = time.CreateTimer(_ => Sweep(), null, period, period);
    }

    public IReadOnlyList<IPEndPoint> Upstreams { get; }

    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>The source ports each upstream is asked from now (tests).</summary>
    internal IReadOnlyList<int> SourcePorts(int upstream) => _udp[upstream].SourcePorts;

    /// <summary>
    /// Starts forwarding a query received on <paramref name="listener"/> from <paramref name="client"/> (a raw sockaddr);
    /// the answer will be sent from there. Returns 0, or the length of a response to send at once (FORMERR for a query without a
    /// well-formed question, SERVFAIL with no upstream or too many queries in flight) written to <paramref name="immediate"/>.
    /// </summary>
    public int ForwardFromUdp(ReadOnlySpan<byte> query, int responseLimit, Socket listener, ReadOnlySpan<byte> client, Span<byte> immediate)
    {
        var questionEnd = PacketInspection.FirstQuestionEnd(query);
        if (questionEnd < 0)
        {
            return PacketInspection.WriteHeaderOnlyResponse(query, PacketInspection.HeaderSize, immediate, (byte)DnsResponseCode.FormatError, truncated: false);
        }

        if (!TryEnter())
        {
            return PacketInspection.WriteHeaderOnlyResponse(query, questionEnd, immediate, (byte)DnsResponseCode.ServerFailure, truncated: false);
        }

        var job = _pool.Rent();
        job.Load(query, questionEnd, responseLimit, listener, client);
        Send(job);
        return 0;
    }

    /// <param name="query">The client's query as received.</param>
    /// <param name="response">Where the response goes.</param>
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

        if (!TryEnter())
        {
            return new ForwardResult(
                PacketInspection.WriteHeaderOnlyResponse(query.Span, questionEnd, response.Span, (byte)DnsResponseCode.ServerFailure, truncated: false),
                null);
        }

        var job = new AwaitedForward(query.Span, questionEnd, response, responseLimit);
        Send(job);
        return await job.Result.WaitAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _sweep.DisposeAsync();
        await _stop.CancelAsync();
        foreach (var upstream in _udp)
        {
            upstream.Dispose();
        }

        // Nothing can answer any more: whoever still waits gets SERVFAIL now rather than never.
        for (var id = 0; id <= ushort.MaxValue && _pending.Count > 0; id++)
        {
            if (_pending.Peek((ushort)id) is { } job && _pending.TryTake((ushort)id, job))
            {
                Fail(job);
            }
        }

        _stop.Dispose();
    }

    private bool TryEnter()
    {
        if (_udp.Length > 0 && Interlocked.Increment(ref _inFlight) <= _maxInFlight)
        {
            return true;
        }

        if (_udp.Length > 0)
        {
            Interlocked.Decrement(ref _inFlight);
        }

        _counters.CountUpstreamFailure();
        return false;
    }

    /// <summary>
    /// Sends the owned <paramref name="job"/> to its current upstream, or the next that can be reached, or fails it.
    /// Once the job is in the pending table it is no longer ours: the datagram goes out from a private copy.
    /// </summary>
    private void Send(ForwardJob job)
    {
        Span<byte> wire = job.QueryLength <= StackQuerySize ? stackalloc byte[StackQuerySize] : new byte[job.QueryLength];
        wire = wire[..job.QueryLength];
        while (job.UpstreamIndex < _udp.Length && Volatile.Read(ref _disposed) == 0)
        {
            var upstream = _udp[job.UpstreamIndex].Pick();
            job.Query.CopyTo(wire);
            CaseMix.Apply(wire, job.QuestionEnd);
            job.RecordSentQuestion(wire);
            job.SourcePort = upstream.Port;
            job.Deadline = _time.GetTimestamp() + _timeoutTicks;
            if (!_pending.TryRegister(job, out var id))
            {
                break;
            }

            BinaryPrimitives.WriteUInt16BigEndian(wire, id);
            try
            {
                upstream.Send(wire);
                return;
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                // This upstream cannot be reached now; unless its answer already raced in, try the next one.
                if (!_pending.TryTake(id, job))
                {
                    return;
                }

                job.UpstreamIndex++;
            }
        }

        Fail(job);
    }

    /// <summary>On upstream <paramref name="index"/>'s receive thread: match, then answer the client from here.</summary>
    private void OnDatagram(int index, int sourcePort, Span<byte> datagram)
    {
        if (datagram.Length < PacketInspection.HeaderSize)
        {
            return;
        }

        var id = PacketInspection.Id(datagram);
        if (_pending.Peek(id) is not { } job || !_pending.TryTake(id, job))
        {
            return;
        }

        if (job.UpstreamIndex != index || job.SourcePort != sourcePort || !IsAnswer(datagram) || !CaseMix.Echoes(job.SentQuestion, datagram))
        {
            // Not the answer to this query (late, stray, forged, or to the same id on another port or in another
            // case): the query keeps waiting for its own.
            if (!_pending.TryPut(id, job))
            {
                // The id went to another query meanwhile; this one can no longer be matched, so it moves on.
                job.UpstreamIndex++;
                Send(job);
            }

            return;
        }

        job.RestoreQuestion(datagram);
        if (PacketInspection.IsTruncated(datagram))
        {
            _ = RetryOverTcpAsync(job, datagram.ToArray());
            return;
        }

        Complete(job, datagram, _udp[index].Endpoint);
    }

    // A response with one question; which question is checked byte for byte against the one sent.
    private static bool IsAnswer(ReadOnlySpan<byte> datagram) =>
        (datagram[2] & 0x80) != 0 && BinaryPrimitives.ReadUInt16BigEndian(datagram[4..]) == 1;

    private async Task RetryOverTcpAsync(ForwardJob job, byte[] truncated)
    {
        var endpoint = _udp[job.UpstreamIndex].Endpoint;
        byte[]? answer = null;
        try
        {
            answer = await TcpUpstream.QueryAsync(endpoint, job.QueryMemory, job.QuestionEnd, _timeout, _time, _stop.Token);
        }
        catch (OperationCanceledException)
        {
            // Shutting down: the truncated answer is still an answer (the client may retry over TCP itself).
        }
        catch (Exception ex)
        {
            // Not expected; the client still gets the truncated answer and the in-flight slot is given back.
            TcpRetryFailed(_logger, endpoint.ToString(), ex);
        }

        Complete(job, answer ?? truncated, endpoint);
    }

    private void Complete(ForwardJob job, Span<byte> answer, IPEndPoint upstream)
    {
        Interlocked.Decrement(ref _inFlight);
        if (answer.Length > job.ResponseLimit)
        {
            job.Deliver(job.HeaderOnlyResponse(answer[3], truncated: true), upstream);
            return;
        }

        // The client's id back in place of the random one koi used upstream.
        BinaryPrimitives.WriteUInt16BigEndian(answer, job.ClientId);
        _counters.RecordUpstreamAnswer(job.Received);
        job.Deliver(answer, upstream);
    }

    private void Fail(ForwardJob job)
    {
        Interlocked.Decrement(ref _inFlight);
        _counters.CountUpstreamFailure();
        job.Deliver(job.HeaderOnlyResponse((byte)DnsResponseCode.ServerFailure, truncated: false), null);
    }

    /// <summary>The timeout sweep: queries whose upstream had its time move on to the next upstream or fail.</summary>
    private void Sweep()
    {
        if (_pending.Count == 0 || Interlocked.Exchange(ref _sweeping, 1) != 0)
        {
            return;
        }

        try
        {
            var now = _time.GetTimestamp();
            for (var id = 0; id <= ushort.MaxValue; id++)
            {
                if (_pending.Peek((ushort)id) is not { } job || job.Deadline > now || !_pending.TryTake((ushort)id, job))
                {
                    continue;
                }

                if (job.Deadline > now && _pending.TryPut((ushort)id, job))
                {
                    // Re-registered between the look and the take: its new upstream still has time.
                    continue;
                }

                job.UpstreamIndex++;
                Send(job);
            }
        }
        finally
        {
            Volatile.Write(ref _sweeping, 0);
        }
    }

    [LoggerMessage(EventId = 23, Level = LogLevel.Error, Message = "DNS upstream {Endpoint}: the TCP retry of a truncated answer failed unexpectedly; the client gets the truncated answer")]
    private static partial void TcpRetryFailed(ILogger logger, string endpoint, Exception exception);
}
