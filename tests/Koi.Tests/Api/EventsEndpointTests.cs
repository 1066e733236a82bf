using System.Text.Json;
using Koi.Core.Events;
using Koi.Health.Transitions;

namespace Koi.Tests.Api;

public sealed class EventsEndpointTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Events_Published_StreamedAsSseWithIdKindAndSnakeCaseData()
    {
        await using var daemon = await TestDaemon.StartAsync();
        var bus = daemon.Services.GetRequiredService<IEventBus>();
        using var response = await daemon.Client().GetAsync("/v1/events", HttpCompletionOption.ResponseHeadersRead, Ct);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(Ct));

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        var published = bus.Publish("health", "transition", new Transition(DateTimeOffset.UnixEpoch, "stone-09", SubjectKind.Machine, "up", "down", false, "mDNS: not seen for 60s"));
        var frame = await ReadFrame(reader);

        Assert.Equal(published.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), frame["id"]);
        Assert.Equal("transition", frame["event"]);
        var data = JsonDocument.Parse(frame["data"]).RootElement;
        Assert.Equal("health", data.GetProperty("capability").GetString());
        Assert.Equal("stone-09", data.GetProperty("data").GetProperty("subject").GetString());
        Assert.Equal("machine", data.GetProperty("data").GetProperty("kind").GetString());
    }

    [Fact]
    public async Task Events_LastEventId_ReplaysMissedEvents()
    {
        await using var daemon = await TestDaemon.StartAsync();
        var bus = daemon.Services.GetRequiredService<IEventBus>();
        var first = bus.Publish("dns", "one");
        bus.Publish("dns", "two");
        var client = daemon.Client();
        client.DefaultRequestHeaders.Add("Last-Event-ID", first.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));

        using var response = await client.GetAsync("/v1/events", HttpCompletionOption.ResponseHeadersRead, Ct);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(Ct));

        Assert.Equal("two", (await ReadFrame(reader))["event"]);
    }

    [Fact]
    public async Task Events_CapabilityFilter_OnlyThatCapability()
    {
        await using var daemon = await TestDaemon.StartAsync();
        var bus = daemon.Services.GetRequiredService<IEventBus>();
        using var response = await daemon.Client().GetAsync("/v1/events?capability=proxy", HttpCompletionOption.ResponseHeadersRead, Ct);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(Ct));

        bus.Publish("dns", "ignored");
        bus.Publish("proxy", "wanted");

        Assert.Equal("wanted", (await ReadFrame(reader))["event"]);
    }

    private static async Task<Dictionary<string, string>> ReadFrame(StreamReader reader)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        var frame = new Dictionary<string, string>();
        while (await reader.ReadLineAsync(timeout.Token) is { } line)
        {
            if (line.Length == 0)
            {
                if (frame.Count > 0)
                {
                    return frame;
                }

                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            frame[line[..colon]] = line[(colon + 1)..].TrimStart();
        }

        throw new EndOfStreamException("event stream ended");
    }
}
