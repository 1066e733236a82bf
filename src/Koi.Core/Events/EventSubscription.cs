using System.Threading.Channels;

namespace Koi.Core.Events;

/// <summary>A live registration with the <see cref="IEventBus"/>; events queue from the moment it is created.</summary>
public sealed class EventSubscription : IDisposable
{
    private readonly ChannelReader<KoiEvent> _reader;
    private Action? _leave;

    internal EventSubscription(ChannelReader<KoiEvent> reader, Action leave)
    {
        _reader = reader;
        _leave = leave;
    }

    public IAsyncEnumerable<KoiEvent> ReadAllAsync(CancellationToken cancellationToken) =>
        _reader.ReadAllAsync(cancellationToken);

    public void Dispose() => Interlocked.Exchange(ref _leave, null)?.Invoke();
}
