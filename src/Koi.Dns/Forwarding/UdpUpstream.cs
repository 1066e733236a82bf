using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Koi.Dns.Resolving;
using Koi.Dns.Transport;

namespace Koi.Dns.Forwarding;

/// <summary>
/// Queries one upstream over UDP from one connected socket (the kernel then drops datagrams from any other source).
/// Each query gets a random id; an answer is accepted only for an outstanding id and with the very question asked.
/// </summary>
internal sealed class UdpUpstream : IAsyncDisposable
{
    private const int MaxAttemptsForFreeId = 16;

    private readonly ConcurrentDictionary<ushort, Pending> _pending = new();
    private readonly Socket _socket;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _receiving;
    private readonly TimeProvider _time;

    public UdpUpstream(IPEndPoint endpoint, TimeProvider time)
    {
        Endpoint = endpoint;
        _time = time;
        _socket = new Socket(endpoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        _socket.Connect(endpoint);
        _receiving = Task.Run(ReceiveLoopAsync);
    }

    public IPEndPoint Endpoint { get; }

    /// <summary>The upstream's answer (a new array), or null when none came within <paramref name="timeout"/>.</summary>
    public async Task<byte[]?> QueryAsync(ReadOnlyMemory<byte> query, int questionEnd, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var pending = new Pending(query, questionEnd);
        ushort id = 0;
        var registered = false;
        for (var attempt = 0; attempt < MaxAttemptsForFreeId && !registered; attempt++)
        {
            id = QueryIds.Next();
            registered = _pending.TryAdd(id, pending);
        }

        if (!registered)
        {
            return null;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(query.Length);
        try
        {
            query.CopyTo(buffer);
            BinaryPrimitives.WriteUInt16BigEndian(buffer, id);
            await _socket.SendAsync(buffer.AsMemory(0, query.Length), SocketFlags.None, cancellationToken);
            return await pending.Answer.Task.WaitAsync(timeout, _time, cancellationToken);
        }
        catch (TimeoutException)
        {
            return null;
        }
        catch (SocketException)
        {
            // Unreachable upstream (ICMP refused on the connected socket): the same as no answer.
            return null;
        }
        finally
        {
            _pending.TryRemove(id, out _);
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _socket.Dispose();
        try
        {
            await _receiving;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = new byte[ushort.MaxValue];
        while (!_stop.IsCancellationRequested)
        {
            int received;
            try
            {
                received = await _socket.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
            }
            catch (SocketException ex) when (SocketErrors.IsTransient(ex.SocketErrorCode))
            {
                continue;
            }
            catch (Exception ex) when (ex is ObjectDisposedException or OperationCanceledException or SocketException)
            {
                return;
            }

            var packet = buffer.AsSpan(0, received);
            if (received >= PacketInspection.HeaderSize &&
                _pending.TryGetValue(PacketInspection.Id(packet), out var pending) &&
                PacketInspection.AnswersQuestion(pending.Query.Span, pending.QuestionEnd, packet))
            {
                pending.Answer.TrySetResult(packet.ToArray());
            }
        }
    }

    private sealed class Pending(ReadOnlyMemory<byte> query, int questionEnd)
    {
        public ReadOnlyMemory<byte> Query { get; } = query;

        public int QuestionEnd { get; } = questionEnd;

        public TaskCompletionSource<byte[]> Answer { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
