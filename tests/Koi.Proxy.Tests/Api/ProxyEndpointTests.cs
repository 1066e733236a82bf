using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Koi.Core.Proxy;
using Microsoft.Extensions.DependencyInjection;

namespace Koi.Proxy.Tests.Api;

public sealed class ProxyEndpointTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AddListStatusRemove_RoundTrip()
    {
        await using var host = await ProxyApiHost.StartAsync();
        using var http = host.Client();
        var port = KoiProcess.FreeTcpPort();

        using var added = await http.PostAsJsonAsync("/v1/proxy/entries", new { name = "grafana", listen = port.ToString(System.Globalization.CultureInfo.InvariantCulture), backend = "http://localhost:3000" }, Ct);
        var addedBody = await Json(added);
        Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        Assert.Equal("/v1/proxy/entries/grafana", added.Headers.Location?.ToString());
        Assert.Equal("listening", addedBody.GetProperty("state").GetString());
        Assert.Equal("01aa", addedBody.GetProperty("certificate").GetProperty("serial").GetString());

        var list = await Json(await http.GetAsync("/v1/proxy/entries", Ct));
        var entry = Assert.Single(list.EnumerateArray());
        Assert.Equal($":{port}", entry.GetProperty("listen").GetString());
        Assert.Equal("http://localhost:3000", entry.GetProperty("backend").GetString());
        Assert.True(entry.GetProperty("cert_path_default").GetBoolean());

        var status = await Json(await http.GetAsync("/v1/proxy/status", Ct));
        Assert.Equal("stone-test", status.GetProperty("hostname").GetString());
        var live = Assert.Single(status.GetProperty("entries").EnumerateArray());
        foreach (var field in new[] { "state", "backend_state", "connections_open", "bytes_in", "bytes_out", "backend_failures", "certificate" })
        {
            Assert.True(live.TryGetProperty(field, out _), field);
        }

        var facts = Assert.Single(host.App.Services.GetRequiredService<IProxyFacts>().Entries());
        Assert.True(facts.Listening);
        Assert.Equal(1, host.App.Services.GetRequiredService<ProxyService>().Counts().Entries);

        using var removed = await http.DeleteAsync("/v1/proxy/entries/grafana", Ct);
        Assert.Equal(HttpStatusCode.OK, removed.StatusCode);
        Assert.True((await Json(removed)).GetProperty("removed").GetBoolean());
        Assert.Empty((await Json(await http.GetAsync("/v1/proxy/entries", Ct))).EnumerateArray());
    }

    [Theory]
    [InlineData("""{"name": "g", "listen": 8443, "backend": "http://10.77.0.12:3000"}""", "--backend-remote")]
    [InlineData("""{"name": "g", "listen": 70000, "backend": "http://localhost:3000"}""", "1-65535")]
    [InlineData("""{"name": "g", "backend": "http://localhost:3000"}""", "needs listen")]
    [InlineData("""{"name": "g", "listen": 8443}""", "needs a backend")]
    [InlineData("""{"listen": 8443, "backend": "http://localhost:3000"}""", "needs a name")]
    [InlineData("""{"name": "g", "listen": 8443, "backend": "http://localhost:3000", "cert_path": "relative/dir"}""", "absolute")]
    [InlineData("""{"name": "g", "listen": true, "backend": "http://localhost:3000"}""", "listen must be a port")]
    public async Task Add_BadInput_400_NothingChanged(string body, string says)
    {
        await using var host = await ProxyApiHost.StartAsync();
        using var http = host.Client();

        using var response = await http.PostAsync("/v1/proxy/entries", new StringContent(body, Encoding.UTF8, "application/json"), Ct);
        var error = await Json(response);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_request", error.GetProperty("error").GetString());
        Assert.Contains(says, error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Empty((await Json(await http.GetAsync("/v1/proxy/entries", Ct))).EnumerateArray());
        Assert.False(File.Exists(host.Dir.Combine("state", "proxy.json")));
    }

    [Fact]
    public async Task Remove_Unknown_404()
    {
        await using var host = await ProxyApiHost.StartAsync();
        using var http = host.Client();

        using var response = await http.DeleteAsync("/v1/proxy/entries/nope", Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("not_found", (await Json(response)).GetProperty("error").GetString());
    }

    private static async Task<JsonElement> Json(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.Clone();
}
