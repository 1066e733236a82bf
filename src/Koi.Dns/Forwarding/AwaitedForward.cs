using System.Net;

namespace Koi.Dns.Forwarding;

/// <summary>
/// A query whose caller awaits the answer (DNS over TCP, <c>koi dns lookup</c>): the response is copied into the
/// caller's buffer and the task completes, off the thread that delivered it.
/// </summary>
internal sealed class AwaitedForward : ForwardJob
{
    private readonly TaskCompletionSource<ForwardResult> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Memory<byte> _response;

    public AwaitedForward(ReadOnlySpan<byte> query, int questionEnd, Memory<byte> response, int responseLimit)
    {
        _response = response;
        Load(query, questionEnd, Math.Min(responseLimit, response.Length));
    }

    public Task<ForwardResult> Result => _done.Task;

    public override void Deliver(ReadOnlySpan<byte> response, IPEndPoint? upstream)
    {
        response.CopyTo(_response.Span);
        _done.TrySetResult(new ForwardResult(response.Length, upstream));
    }
}
