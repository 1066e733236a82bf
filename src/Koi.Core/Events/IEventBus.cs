namespace Koi.Core.Events;

public interface IEventBus
{
    KoiEvent Publish(string capability, string kind, object? data = null);

    /// <summary>
    /// Subscribes from now on, or from just after <paramref name="afterId"/> while the bus still remembers it.
    /// A subscriber that falls behind loses its oldest events rather than slowing publishers down.
    /// </summary>
    IAsyncEnumerable<KoiEvent> Subscribe(long? afterId, CancellationToken cancellationToken);
}
