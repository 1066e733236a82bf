namespace Koi.Proxy.Transport;

/// <summary>A descriptor a <see cref="SocketLoop"/> watches: a connection (<see cref="LoopSocket"/>) or a listening socket (<see cref="LoopAcceptor"/>).</summary>
internal interface ILoopWatched : IDisposable
{
    /// <summary>Called on the loop's thread with the epoll events that arrived.</summary>
    void OnEvents(uint events);
}
