using System.Buffers;
using System.IO.Pipelines;

namespace Koi.Certmesh.MeshPlane;

/// <summary>
/// A connection's input with bytes already taken from it put back in front: what <see cref="AeadHelloGate"/> read of a
/// ClientHello that came in several pieces (a pipe's examined position cannot move back, so those bytes cannot simply
/// be left unread). Readers that consume what they read — the TLS stream does — see the replay, then the connection.
/// </summary>
internal sealed class ReplayPipeReader(byte[] replay, PipeReader inner) : PipeReader
{
    private ReadOnlySequence<byte> _replay = new(replay);

    public override bool TryRead(out ReadResult result)
    {
        if (!_replay.IsEmpty)
        {
            result = new ReadResult(_replay, isCanceled: false, isCompleted: false);
            return true;
        }

        return inner.TryRead(out result);
    }

    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default) =>
        _replay.IsEmpty ? inner.ReadAsync(cancellationToken) : ValueTask.FromResult(new ReadResult(_replay, isCanceled: false, isCompleted: false));

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        if (_replay.IsEmpty)
        {
            inner.AdvanceTo(consumed, examined);
            return;
        }

        _replay = _replay.Slice(consumed);
    }

    public override void CancelPendingRead() => inner.CancelPendingRead();

    public override void Complete(Exception? exception = null) => inner.Complete(exception);
}
