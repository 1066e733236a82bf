using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Koi.Dns.Protocol;

namespace Koi.Mdns.Tests.Api;

public class MdnsEndpointTests
{
    [Fact]
    public async Task PostAnnounce_ValidBody_CreatedWithIdAndName()
    {
        await using var host = await MdnsApiHost.StartAsync();
        var client = host.Client();

        var response = await host.WhileAdvancingAsync(
            client.PostAsJsonAsync("/v1/mdns/announce", new { name = "Web", type = "_http._tcp", port = 8080, txt = new { path = "/" } }, TestContext.Current.CancellationToken),
            TimeSpan.FromMilliseconds(100));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await Json(response);
        Assert.Equal("Web", body.GetProperty("name").GetString());
        Assert.Equal(90, body.GetProperty("lease_secs").GetInt32());
        var id = body.GetProperty("id").GetString()!;
        Assert.NotNull(host.Engine.GetRegistration(id));
    }

    [Fact]
    public async Task PostAnnounce_ValidBody_StateSaysItWasAnnounced()
    {
        await using var host = await MdnsApiHost.StartAsync();

        var response = await host.WhileAdvancingAsync(
            host.Client().PostAsJsonAsync("/v1/mdns/announce", new { name = "Web", type = "_http._tcp", port = 8080 }, TestContext.Current.CancellationToken),
            TimeSpan.FromMilliseconds(100));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("announcing", (await Json(response)).GetProperty("state").GetString());
        Assert.Contains(host.Lan.Log, r => r.IsAnnouncementOf("Web._http._tcp.local", DnsType.SRV));
    }

    [Fact]
    public async Task PostAnnounce_NoInterface_202WaitingNothingSentAndAnnouncedOnceOneComesUp()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var host = await MdnsApiHost.StartAsync(interfaceUp: false);
        var client = host.Client();

        var response = await host.WhileAdvancingAsync(
            client.PostAsJsonAsync("/v1/mdns/announce", new { name = "Web", type = "_http._tcp", port = 8080, lease_secs = 0 }, ct),
            TimeSpan.FromMilliseconds(100));
        var body = await Json(response);
        var id = body.GetProperty("id").GetString()!;
        var sentWhileDown = host.Lan.Log.Count;
        host.Transport.SetUp(true);
        host.Engine.CheckInterfacesNow();
        host.Time.Advance(TimeSpan.FromSeconds(3));
        var later = await Json(await client.GetAsync("/v1/mdns/status", ct));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("waiting", body.GetProperty("state").GetString());
        Assert.Equal(0, sentWhileDown);
        Assert.Contains(host.Lan.Log, r => r.IsAnnouncementOf("Web._http._tcp.local", DnsType.SRV));
        var registration = later.GetProperty("registrations").EnumerateArray().Single(r => r.GetProperty("id").GetString() == id);
        Assert.Equal("announced", registration.GetProperty("state").GetString());
    }

    [Theory]
    [InlineData("""{"name":"Web","type":"http._tcp","port":80}""", "underscore")]
    [InlineData("""{"name":"Web","type":"_http._tcp","port":0}""", "port must be 1 to 65535")]
    [InlineData("""{"name":"Web","type":"_http._tcp"}""", "port is required")]
    [InlineData("""{"name":"Web","type":"_http._tcp","port":80,"lease_secs":1}""", "lease_secs")]
    [InlineData("""{"name":"Web","type":"_http._tcp","port":80,"txt":{"":"x"}}""", "TXT key may not be empty")]
    public async Task PostAnnounce_BadInput_400InvalidRequestNamingTheRule(string json, string rule)
    {
        await using var host = await MdnsApiHost.StartAsync();

        var response = await host.Client().PostAsync(
            "/v1/mdns/announce", new StringContent(json, System.Text.Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = await Json(response);
        Assert.Equal("invalid_request", body.GetProperty("error").GetString());
        Assert.Contains(rule, body.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Lease_NotHeartbeaten_WithdrawnWithGoodbyesAfterLeaseAndGrace()
    {
        await using var host = await MdnsApiHost.StartAsync();
        var client = host.Client();
        var created = await Json(await host.WhileAdvancingAsync(
            client.PostAsJsonAsync("/v1/mdns/announce", new { name = "Lease", type = "_http._tcp", port = 80, lease_secs = 10 }, TestContext.Current.CancellationToken),
            TimeSpan.FromMilliseconds(100)));
        var id = created.GetProperty("id").GetString()!;

        host.Time.Advance(TimeSpan.FromSeconds(30)); // 10 s lease + 30 s grace not yet over (the POST took ~1 s)
        Assert.NotNull(host.Engine.GetRegistration(id));
        host.Time.Advance(TimeSpan.FromSeconds(12));

        Assert.Null(host.Engine.GetRegistration(id));
        Assert.Contains(host.Lan.Log, r => r.HasGoodbyeFor("Lease._http._tcp.local", DnsType.SRV));
        var heartbeat = await client.PutAsync($"/v1/mdns/announce/{id}/heartbeat", null, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, heartbeat.StatusCode);
    }

    [Fact]
    public async Task Heartbeat_BeforeExpiry_KeepsRegistration()
    {
        await using var host = await MdnsApiHost.StartAsync();
        var client = host.Client();
        var created = await Json(await host.WhileAdvancingAsync(
            client.PostAsJsonAsync("/v1/mdns/announce", new { name = "Kept", type = "_http._tcp", port = 80, lease_secs = 10 }, TestContext.Current.CancellationToken),
            TimeSpan.FromMilliseconds(100)));
        var id = created.GetProperty("id").GetString()!;

        for (var i = 0; i < 10; i++)
        {
            host.Time.Advance(TimeSpan.FromSeconds(8));
            var beat = await client.PutAsync($"/v1/mdns/announce/{id}/heartbeat", null, TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, beat.StatusCode);
        }

        Assert.NotNull(host.Engine.GetRegistration(id));
    }

    [Fact]
    public async Task PostAnnounce_LeaseZero_KeptWithoutHeartbeats()
    {
        await using var host = await MdnsApiHost.StartAsync();
        var client = host.Client();
        var created = await Json(await host.WhileAdvancingAsync(
            client.PostAsJsonAsync("/v1/mdns/announce", new { name = "Detached", type = "_http._tcp", port = 80, lease_secs = 0 }, TestContext.Current.CancellationToken),
            TimeSpan.FromMilliseconds(100)));
        var id = created.GetProperty("id").GetString()!;

        host.Time.Advance(TimeSpan.FromMinutes(10));

        Assert.Equal(0, created.GetProperty("lease_secs").GetInt32());
        Assert.NotNull(host.Engine.GetRegistration(id));
    }

    [Fact]
    public async Task Delete_Registration_204ThenNotFound()
    {
        await using var host = await MdnsApiHost.StartAsync();
        var client = host.Client();
        var created = await Json(await host.WhileAdvancingAsync(
            client.PostAsJsonAsync("/v1/mdns/announce", new { name = "Gone", type = "_http._tcp", port = 80 }, TestContext.Current.CancellationToken),
            TimeSpan.FromMilliseconds(100)));
        var id = created.GetProperty("id").GetString()!;

        var first = await client.DeleteAsync($"/v1/mdns/announce/{id}", TestContext.Current.CancellationToken);
        var second = await client.DeleteAsync($"/v1/mdns/announce/{id}", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NoContent, first.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, second.StatusCode);
    }

    [Fact]
    public async Task Discover_Json_ListsServicesOfPeerAfterTimeout()
    {
        await using var host = await MdnsApiHost.StartAsync();
        await using var peer = await TestNode.StartAsync(host.Lan, host.Time, "10.0.0.2", "peer", seed: 3);
        await peer.RegisterAsync(host.Time, Registrations.Http("Peer Web", 8081));

        var response = await host.WhileAdvancingAsync(
            host.Client().GetAsync("/v1/mdns/discover?type=_http._tcp&timeout=2", TestContext.Current.CancellationToken),
            TimeSpan.FromMilliseconds(100));

        var list = await Json(response);
        var service = Assert.Single(list.EnumerateArray());
        Assert.Equal("Peer Web._http._tcp.local", service.GetProperty("full_name").GetString());
        Assert.Equal(8081, service.GetProperty("port").GetInt32());
        Assert.Equal("10.0.0.2", service.GetProperty("addresses")[0].GetString());
        Assert.True(service.GetProperty("resolved").GetBoolean());
    }

    [Fact]
    public async Task Discover_EventStream_SendsFoundAndResolvedEvents()
    {
        await using var host = await MdnsApiHost.StartAsync();
        await using var peer = await TestNode.StartAsync(host.Lan, host.Time, "10.0.0.2", "peer", seed: 3);
        await peer.RegisterAsync(host.Time, Registrations.Http("Peer Web", 8081));
        var request = new HttpRequestMessage(HttpMethod.Get, "/v1/mdns/discover?type=_http._tcp&timeout=2");
        request.Headers.Accept.ParseAdd("text/event-stream");

        var response = await host.WhileAdvancingAsync(
            host.Client().SendAsync(request, TestContext.Current.CancellationToken), TimeSpan.FromMilliseconds(100));
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("event: found", text, StringComparison.Ordinal);
        Assert.Contains("event: resolved", text, StringComparison.Ordinal);
        Assert.Contains("\"full_name\":\"Peer Web._http._tcp.local\"", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Discover_InvalidType_400()
    {
        await using var host = await MdnsApiHost.StartAsync();

        var response = await host.Client().GetAsync("/v1/mdns/discover?type=_x_y._tcp", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Resolve_UnknownInstance_404AfterTimeout()
    {
        await using var host = await MdnsApiHost.StartAsync();

        var response = await host.WhileAdvancingAsync(
            host.Client().GetAsync("/v1/mdns/resolve?name=Nobody._http._tcp&timeout=1", TestContext.Current.CancellationToken),
            TimeSpan.FromMilliseconds(100));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Status_Running_ReportsStatsAndComponents()
    {
        await using var host = await MdnsApiHost.StartAsync();

        var body = await Json(await host.Client().GetAsync("/v1/mdns/status", TestContext.Current.CancellationToken));
        var components = host.App.Services.GetService(typeof(Core.Status.StatusRegistry)) as Core.Status.StatusRegistry;

        Assert.Equal("daemon.local", body.GetProperty("stats").GetProperty("host_name").GetString());
        Assert.Equal("vlan0", body.GetProperty("stats").GetProperty("interfaces")[0].GetProperty("name").GetString());
        Assert.Contains(components!.Snapshot("mdns"), c => c.Name == "mdns/engine" && c.State == Core.Status.ComponentState.Running);
        Assert.Contains(components.Snapshot("mdns"), c => c.Name == "mdns/leases" && c.State == Core.Status.ComponentState.Running);
    }

    private static async Task<JsonElement> Json(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;
}
