namespace Koi.Core.Events;

public interface IEventBus
{
    KoiEvent Publish(string capability, string kind, object? data = null);

    /// <summary>
    /// Subscribes from this call on (not from first read, so nothing published in between is missed), or from just
    /// after <paramref name="afterId"/> while the bus still remembers it. A subscriber that falls behind loses its
    /// oldest events rather than slowing publishers down. Dispose the subscription to leave.
    /// </summary>
    EventSubscription Subscribe(long? afterId);
}
