using System.Buffers;

namespace Koi.Proxy.Transport;

/// <summary>
/// A <see cref="LoopSocket"/> as the stream <see cref="System.Net.Security.SslStream"/> reads records from and writes
/// them to. Asynchronous only: a blocking call on the loop thread would stall every connection on it. A client of a
/// shared port comes with the bytes its port read to find the entry (its ClientHello): those are read first, and their
/// pooled buffer goes back to the pool once read or when the stream is disposed.
/// </summary>
internal sealed class LoopStream : Stream
{
    private readonly LoopSocket _socket;
    private readonly ArrayPool<byte>? _pool;
    private byte[]? _prefix;
    private int _prefixAt;
    private int _prefixEnd;

    public LoopStream(LoopSocket socket)
    {
        _socket = socket;
    }

    /// <param name="prefix">Rented from <paramref name="pool"/>; this stream returns it.</param>
    public LoopStream(LoopSocket socket, byte[] prefix, int length, ArrayPool<byte> pool)
    {
        _socket = socket;
        _prefix = prefix;
        _prefixEnd = length;
        _pool = pool;
    }

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_prefix is not null && !buffer.IsEmpty)
        {
            var count = Math.Min(buffer.Length, _prefixEnd - _prefixAt);
            _prefix.AsSpan(_prefixAt, count).CopyTo(buffer.Span);
            _prefixAt += count;
            if (_prefixAt == _prefixEnd)
            {
                ReturnPrefix();
            }

            return ValueTask.FromResult(count);
        }

        if (_prefix is not null)
        {
            // A zero-byte read waits for data: there is some.
            return ValueTask.FromResult(0);
        }

        return _socket.ReceiveAsync(buffer, cancellationToken);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        _socket.SendAsync(buffer, cancellationToken);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        _socket.SendAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("asynchronous reads only");

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("asynchronous writes only");

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            ReturnPrefix();
        }

        base.Dispose(disposing);
    }

    private void ReturnPrefix()
    {
        if (_prefix is { } prefix)
        {
            _prefix = null;
            _pool!.Return(prefix);
        }
    }
}
