using System.Threading.Tasks.Sources;

namespace Koi.Proxy.Transport;

/// <summary>
/// "The kernel may have something for this direction now": signalled by the <see cref="SocketLoop"/> on an epoll edge,
/// awaited by the one reader (or the one writer) of a socket after its non-blocking call found nothing. A signal with
/// nobody waiting is kept, so an edge that arrives between EAGAIN and the wait is not lost; a stale one only costs one
/// more EAGAIN. The waiter's continuation runs on the loop thread, inline; a failure (close, cancellation) completes it
/// on the thread pool instead, so a caller closing a connection never runs that connection's teardown itself.
/// </summary>
internal sealed class Readiness : IValueTaskSource
{
    private readonly Lock _gate = new();
    private ManualResetValueTaskSourceCore<bool> _core;
    private bool _signalled;
    private bool _waiting;
    private Exception? _failure;
    private CancellationTokenRegistration _cancellation;

    public ValueTask WaitAsync(CancellationToken ct)
    {
        short version;
        lock (_gate)
        {
            if (_failure is not null)
            {
                return ValueTask.FromException(_failure);
            }

            if (_signalled)
            {
                _signalled = false;
                return ValueTask.CompletedTask;
            }

            if (ct.IsCancellationRequested)
            {
                return ValueTask.FromCanceled(ct);
            }

            _core.Reset();
            _core.RunContinuationsAsynchronously = false;
            _waiting = true;
            version = _core.Version;
        }

        if (ct.CanBeCanceled)
        {
            var registration = ct.UnsafeRegister(static (state, token) => ((Readiness)state!).Fail(new OperationCanceledException(token)), this);
            lock (_gate)
            {
                _cancellation = registration;
            }
        }

        return new ValueTask(this, version);
    }

    /// <summary>The loop saw an edge: wake the waiter here and now, or remember it for the next wait.</summary>
    public void Signal()
    {
        lock (_gate)
        {
            if (!_waiting)
            {
                _signalled = true;
                return;
            }

            _waiting = false;
        }

        _core.SetResult(true);
    }

    /// <summary>Ends the current wait and every later one with <paramref name="error"/> (the socket closed, or the wait was cancelled).</summary>
    public void Fail(Exception error)
    {
        lock (_gate)
        {
            _failure ??= error;
            if (!_waiting)
            {
                return;
            }

            _waiting = false;
            _core.RunContinuationsAsynchronously = true;
        }

        _core.SetException(error);
    }

    public void GetResult(short token)
    {
        CancellationTokenRegistration registration;
        lock (_gate)
        {
            registration = _cancellation;
            _cancellation = default;
        }

        registration.Unregister();
        _core.GetResult(token);
    }

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
