using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;

namespace Koi.Tests.Api;

public sealed class AuthTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Healthz_FromAnyAddressWithoutToken_Ok()
    {
        await using var daemon = await TestDaemon.StartAsync();

        var local = await daemon.Client(withToken: false).GetAsync("/healthz", Ct);
        var remote = await daemon.Client(withToken: false, remote: "10.77.0.9").GetAsync("/healthz", Ct);

        Assert.Equal(HttpStatusCode.OK, local.StatusCode);
        Assert.Equal(HttpStatusCode.OK, remote.StatusCode);
    }

    [Theory]
    [InlineData("/v1/status")]
    [InlineData("/v1/events")]
    [InlineData("/v1/nothing-here")]
    public async Task Read_FromLoopbackWithoutToken_Unauthorized(string path)
    {
        await using var daemon = await TestDaemon.StartAsync();

        using var response = await daemon.Client(withToken: false).GetAsync(path, HttpCompletionOption.ResponseHeadersRead, Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Read_FromLoopbackWithToken_Ok()
    {
        await using var daemon = await TestDaemon.StartAsync();

        var response = await daemon.Client().GetAsync("/v1/status", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("attacker.example")]
    [InlineData("attacker.example:5641")]
    [InlineData("127.0.0.1.attacker.example")]
    [InlineData("localhost.attacker.example")]
    [InlineData("192.168.1.20")]
    public async Task Read_RebindingHostHeaderEvenWithToken_Forbidden(string host)
    {
        await using var daemon = await TestDaemon.StartAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/status");
        request.Headers.Host = host;

        var response = await daemon.Client().SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("Host was", (await response.Content.ReadFromJsonAsync<ErrorBody>(Ct))!.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("localhost")]
    [InlineData("localhost:5641")]
    [InlineData("127.0.0.1:5641")]
    [InlineData("127.0.0.2")]
    [InlineData("[::1]:5641")]
    public async Task Read_LoopbackHostHeaderWithToken_Ok(string host)
    {
        await using var daemon = await TestDaemon.StartAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/status");
        request.Headers.Host = host;

        var response = await daemon.Client().SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Read_OwnMachineNameHostHeaderWithToken_Ok()
    {
        await using var daemon = await TestDaemon.StartAsync();
        foreach (var host in new[] { Environment.MachineName, $"{Environment.MachineName}.local", $"{Environment.MachineName}.lan:5641" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/status");
            request.Headers.Host = host;

            var response = await daemon.Client().SendAsync(request, Ct);

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }

    [Fact]
    public async Task Healthz_AnyHostHeader_Ok()
    {
        await using var daemon = await TestDaemon.StartAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/healthz");
        request.Headers.Host = "attacker.example";

        var response = await daemon.Client(withToken: false).SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task LanRoute_NonJsonBodyFromOtherAddress_UnsupportedMediaType()
    {
        await using var daemon = await TestDaemon.StartAsync(mapExtra: app =>
            app.MapPost("/v1/test/lan/{id}", (string id, Dictionary<string, string> body) => body.Count).WithMetadata(Koi.Core.Capabilities.LanEndpoint.Instance));

        var response = await daemon.Client(withToken: false, remote: "10.77.0.9")
            .PostAsync("/v1/test/lan/7", new StringContent("{\"name\":\"x\"}", System.Text.Encoding.UTF8, "text/plain"), Ct);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    [Fact]
    public async Task ManagementRoute_NonJsonBodyFromOtherAddress_StillForbidden()
    {
        await using var daemon = await TestDaemon.StartAsync();

        var response = await daemon.Client(withToken: false, remote: "10.77.0.9")
            .PostAsync("/v1/ceremony", new StringContent("{}", System.Text.Encoding.UTF8, "text/plain"), Ct);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task Read_FromOtherAddressWithoutToken_ForbiddenLoopbackOnly()
    {
        await using var daemon = await TestDaemon.StartAsync();

        var response = await daemon.Client(withToken: false, remote: "10.77.0.9").GetAsync("/v1/status", Ct);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("loopback callers only", (await response.Content.ReadFromJsonAsync<ErrorBody>(Ct))!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ManagementRoute_FromOtherAddressEvenWithToken_Forbidden()
    {
        await using var daemon = await TestDaemon.StartAsync();

        var read = await daemon.Client(remote: "10.77.0.9").GetAsync("/v1/status", Ct);
        var write = await daemon.Client(remote: "10.77.0.9").PostAsJsonAsync("/v1/ceremony", new { ceremony = "demo" }, Ct);

        Assert.Equal(HttpStatusCode.Forbidden, read.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, write.StatusCode);
        Assert.Equal(0, daemon.Services.GetRequiredService<Koi.Core.Ceremony.CeremonyHost>().SessionCount);
    }

    [Fact]
    public async Task LanRoute_FromOtherAddressWithoutToken_Served()
    {
        await using var daemon = await TestDaemon.StartAsync(mapExtra: app =>
            app.MapPost("/v1/test/lan", () => "lan").WithMetadata(Koi.Core.Capabilities.LanEndpoint.Instance));

        var response = await daemon.Client(withToken: false, remote: "10.77.0.9").PostAsJsonAsync("/v1/test/lan", new { }, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("lan", await response.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task Read_FromIpv4MappedLoopback_TreatedAsLoopback()
    {
        await using var daemon = await TestDaemon.StartAsync();

        var response = await daemon.Client(remote: "::ffff:127.0.0.1").GetAsync("/v1/status", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Mutation_WithoutToken_Unauthorized()
    {
        await using var daemon = await TestDaemon.StartAsync();

        var response = await daemon.Client(withToken: false).PostAsJsonAsync("/v1/ceremony", new { ceremony = "demo" }, Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("no token", (await response.Content.ReadFromJsonAsync<ErrorBody>(Ct))!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Mutation_WithWrongToken_UnauthorizedAndNothingChanges()
    {
        await using var daemon = await TestDaemon.StartAsync();
        var client = daemon.Client(withToken: false);
        client.DefaultRequestHeaders.Add("x-koi-token", new string('0', 64));

        var response = await client.PostAsJsonAsync("/v1/ceremony", new { ceremony = "demo" }, Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(0, daemon.Services.GetRequiredService<Koi.Core.Ceremony.CeremonyHost>().SessionCount);
    }

    [Fact]
    public async Task Mutation_WithToken_Ok()
    {
        await using var daemon = await TestDaemon.StartAsync();

        var response = await daemon.Client().PostAsJsonAsync("/v1/ceremony", new { ceremony = "demo" }, Ct);

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
