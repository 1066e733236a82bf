using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Koi.Tests.Api;

public sealed class CeremonyEndpointTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Demo_StepByStep_WireShapeMatchesSeedAndCompletes()
    {
        await using var daemon = await TestDaemon.StartAsync();
        var client = daemon.Client();

        var first = await Post(client, new { ceremony = "demo", data = new { } });
        var id = first.GetProperty("session_id").GetString();
        var prompt = first.GetProperty("prompts")[0];
        var second = await Post(client, new { session_id = id, ceremony = "demo", data = new { name = "Ada" } });
        var colour = second.GetProperty("prompts")[0];
        var third = await Post(client, new { session_id = id, ceremony = "demo", data = new { colour = "blue", secret = "correct horse" } });

        Assert.False(first.GetProperty("complete").GetBoolean());
        Assert.Equal("name", prompt.GetProperty("key").GetString());
        Assert.Equal("text", prompt.GetProperty("input_type").GetString());
        Assert.True(prompt.GetProperty("required").GetBoolean());
        Assert.Equal("info", first.GetProperty("messages")[0].GetProperty("kind").GetString());
        Assert.Equal("select_one", colour.GetProperty("input_type").GetString());
        Assert.Equal("green", colour.GetProperty("default").GetString());
        Assert.Equal(3, colour.GetProperty("options").GetArrayLength());
        Assert.True(third.GetProperty("complete").GetBoolean());
        Assert.Equal("summary", third.GetProperty("messages")[0].GetProperty("kind").GetString());
        Assert.DoesNotContain("correct horse", third.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Demo_InvalidValue_ReaskedWithErrorMessage()
    {
        await using var daemon = await TestDaemon.StartAsync();

        var response = await Post(daemon.Client(), new { ceremony = "demo", data = new { name = "Ada", colour = "purple" } });

        Assert.Equal("colour", response.GetProperty("prompts")[0].GetProperty("key").GetString());
        Assert.Equal("error", response.GetProperty("messages")[0].GetProperty("kind").GetString());
    }

    [Fact]
    public async Task Demo_ExpiredSession_NotFoundWithSessionExpired()
    {
        await using var daemon = await TestDaemon.StartAsync();

        var response = await daemon.Client().PostAsJsonAsync(
            "/v1/ceremony", new { session_id = Guid.CreateVersion7().ToString(), ceremony = "demo", data = new { } }, Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("session_expired", (await response.Content.ReadFromJsonAsync<ErrorBody>(Ct))!.Error);
    }

    [Fact]
    public async Task Demo_FatalRule_ForbiddenAndSessionGone()
    {
        await using var daemon = await TestDaemon.StartAsync();

        var response = await daemon.Client().PostAsJsonAsync("/v1/ceremony", new { ceremony = "demo", data = new { name = "forbidden" } }, Ct);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    private static async Task<JsonElement> Post(HttpClient client, object body)
    {
        var response = await client.PostAsJsonAsync("/v1/ceremony", body, Ct);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
    }
}
