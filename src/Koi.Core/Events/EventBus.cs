using System.Threading.Channels;

namespace Koi.Core.Events;

/// <summary>In-process fan-out of <see cref="KoiEvent"/>s with a short replay history.</summary>
public sealed class EventBus(TimeProvider time, int historySize = 256, int subscriberBuffer = 1024) : IEventBus
{
    private readonly Lock _gate = new();
    private readonly Queue<KoiEvent> _history = new();
    private readonly List<Channel<KoiEvent>> _subscribers = [];
    private long _lastId;

    public int SubscriberCount
    {
        get
        {
            lock (_gate)
            {
                return _subscribers.Count;
            }
        }
    }

    public KoiEvent Publish(string capability, string kind, object? data = null)
    {
        lock (_gate)
        {
            var evt = new KoiEvent(++_lastId, capability, kind, time.GetUtcNow(), data);
            _history.Enqueue(evt);
            if (_history.Count > historySize)
            {
                _history.Dequeue();
            }

            foreach (var subscriber in _subscribers)
            {
                subscriber.Writer.TryWrite(evt);
            }

            return evt;
        }
    }

    public EventSubscription Subscribe(long? afterId)
    {
        var channel = Channel.CreateBounded<KoiEvent>(new BoundedChannelOptions(subscriberBuffer)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
        });
        lock (_gate)
        {
            if (afterId is { } after)
            {
                foreach (var past in _history)
                {
                    if (past.Id > after)
                    {
                        channel.Writer.TryWrite(past);
                    }
                }
            }

            _subscribers.Add(channel);
        }

        return new EventSubscription(channel.Reader, () =>
        {
            lock (_gate)
            {
                _subscribers.Remove(channel);
            }
        });
    }
}
