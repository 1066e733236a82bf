using Koi.Core.Events;
using Koi.Testing;

namespace Koi.Core.Tests.Events;

public sealed class EventBusTests
{
    private readonly EventBus _bus = new(new ManualTimeProvider(), historySize: 4, subscriberBuffer: 3);

    [Fact]
    public void Publish_Sequence_IdsAreMonotonic()
    {
        var a = _bus.Publish("mdns", "found");
        var b = _bus.Publish("dns", "added");

        Assert.Equal(a.Id + 1, b.Id);
    }

    [Fact]
    public async Task Subscribe_AfterId_ReplaysRememberedEventsThenLive()
    {
        _bus.Publish("mdns", "one");
        var two = _bus.Publish("mdns", "two");
        _bus.Publish("mdns", "three");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));

        var kinds = new List<string>();
        using (var subscription = _bus.Subscribe(two.Id - 1))
        {
            await foreach (var evt in subscription.ReadAllAsync(cts.Token))
            {
                kinds.Add(evt.Kind);
                if (kinds.Count == 2)
                {
                    _bus.Publish("mdns", "four");
                }

                if (kinds.Count == 3)
                {
                    break;
                }
            }
        }

        Assert.Equal(["two", "three", "four"], kinds);
        Assert.Equal(0, _bus.SubscriberCount);
    }

    [Fact]
    public async Task Subscribe_SlowSubscriber_LosesOldestNotNewest()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        using var subscription = _bus.Subscribe(null);
        var stream = subscription.ReadAllAsync(cts.Token).GetAsyncEnumerator(cts.Token);
        for (var i = 0; i < 10; i++)
        {
            _bus.Publish("health", $"e{i}");
        }

        var seen = new List<string>();
        while (seen.Count < 3 && await stream.MoveNextAsync())
        {
            seen.Add(stream.Current.Kind);
        }

        await stream.DisposeAsync();
        Assert.Equal("e9", seen[^1]);
    }
}
