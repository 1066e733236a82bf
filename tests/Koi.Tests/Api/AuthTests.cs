using System.Net;
using System.Net.Http.Json;

namespace Koi.Tests.Api;

public sealed class AuthTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Healthz_FromAnyAddressWithoutToken_Ok()
    {
        await using var daemon = await TestDaemon.StartAsync();

        var local = await daemon.Client().GetAsync("/healthz", Ct);
        var remote = await daemon.Client(remote: "10.77.0.9").GetAsync("/healthz", Ct);

        Assert.Equal(HttpStatusCode.OK, local.StatusCode);
        Assert.Equal(HttpStatusCode.OK, remote.StatusCode);
    }

    [Fact]
    public async Task Read_FromLoopbackWithoutToken_Ok()
    {
        await using var daemon = await TestDaemon.StartAsync();

        var response = await daemon.Client().GetAsync("/v1/status", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Read_FromOtherAddressWithoutToken_Unauthorized()
    {
        await using var daemon = await TestDaemon.StartAsync();

        var response = await daemon.Client(remote: "10.77.0.9").GetAsync("/v1/status", Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("unauthorized", (await response.Content.ReadFromJsonAsync<ErrorBody>(Ct))!.Error);
    }

    [Fact]
    public async Task Read_FromOtherAddressWithToken_Ok()
    {
        await using var daemon = await TestDaemon.StartAsync();

        var response = await daemon.Client(withToken: true, remote: "10.77.0.9").GetAsync("/v1/status", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Mutation_WithoutToken_Unauthorized()
    {
        await using var daemon = await TestDaemon.StartAsync();

        var response = await daemon.Client().PostAsJsonAsync("/v1/ceremony", new { ceremony = "demo" }, Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("no token", (await response.Content.ReadFromJsonAsync<ErrorBody>(Ct))!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Mutation_WithWrongToken_UnauthorizedAndNothingChanges()
    {
        await using var daemon = await TestDaemon.StartAsync();
        var client = daemon.Client();
        client.DefaultRequestHeaders.Add("x-koi-token", new string('0', 64));

        var response = await client.PostAsJsonAsync("/v1/ceremony", new { ceremony = "demo" }, Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(0, daemon.Services.GetRequiredService<Koi.Core.Ceremony.CeremonyHost>().SessionCount);
    }

    [Fact]
    public async Task Mutation_WithToken_Ok()
    {
        await using var daemon = await TestDaemon.StartAsync();

        var response = await daemon.Client(withToken: true).PostAsJsonAsync("/v1/ceremony", new { ceremony = "demo" }, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public void Matches_TokenPrefixOrDifferentLength_False()
    {
        var token = new Koi.Daemon.DaemonToken("abcdef");

        Assert.True(token.Matches("abcdef"));
        Assert.False(token.Matches("abcde"));
        Assert.False(token.Matches("abcdefg"));
        Assert.False(token.Matches(null));
    }
}
