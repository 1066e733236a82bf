using System.Net.Http.Json;
using System.Text.Json;
using Koi.Core.Status;
using Koi.Health.Tests.Probes;
using Koi.Health.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Koi.Health.Tests.Api;

public sealed class HealthEndpointTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task PostChecks_Valid_201ThenListedAndPersisted()
    {
        await using var host = await HealthApiHost.StartAsync();
        using var client = host.Client();

        using var created = await client.PostAsJsonAsync("/v1/health/checks", new { name = "postgres", tcp = "127.0.0.1:5432", interval = "1m" }, Ct);

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("/v1/health/checks/postgres", created.Headers.Location?.ToString());
        var list = await client.GetFromJsonAsync<JsonElement>("/v1/health/checks", Ct);
        var check = Assert.Single(list.EnumerateArray());
        Assert.Equal("tcp", check.GetProperty("kind").GetString());
        Assert.Equal(60, check.GetProperty("interval_secs").GetDouble());
        Assert.Equal(5, check.GetProperty("timeout_secs").GetDouble());
        Assert.True(File.Exists(Path.Combine(host.DataDir, "state", "health.json")));
    }

    [Fact]
    public async Task PostChecks_Duplicate_409()
    {
        await using var host = await HealthApiHost.StartAsync();
        using var client = host.Client();
        (await client.PostAsJsonAsync("/v1/health/checks", new { name = "a", tcp = "127.0.0.1:1" }, Ct)).Dispose();

        using var again = await client.PostAsJsonAsync("/v1/health/checks", new { name = "a", http = "http://127.0.0.1:1/" }, Ct);

        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal("conflict", (await again.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("error").GetString());
    }

    [Theory]
    [InlineData("""{"name":"a","http":"stone-05:3000"}""", "http:// or https://")]
    [InlineData("""{"name":"a","tcp":"stone-05"}""", "host:port")]
    [InlineData("""{"name":"a","tcp":"a:1","interval":"often"}""", "interval must be a duration")]
    [InlineData("""{"name":"a"}""", "needs a target")]
    [InlineData("""{"name":1}""", "")]
    public async Task PostChecks_BadInput_400WithReason(string body, string reason)
    {
        await using var host = await HealthApiHost.StartAsync();
        using var client = host.Client();

        using var response = await client.PostAsync("/v1/health/checks", new StringContent(body, System.Text.Encoding.UTF8, "application/json"), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal("invalid_request", error.GetProperty("error").GetString());
        Assert.Contains(reason, error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeleteCheck_KnownThenUnknown_200Then404()
    {
        await using var host = await HealthApiHost.StartAsync();
        using var client = host.Client();
        (await client.PostAsJsonAsync("/v1/health/checks", new { name = "redis", tcp = "127.0.0.1:6379" }, Ct)).Dispose();

        using var removed = await client.DeleteAsync("/v1/health/checks/redis", Ct);
        using var again = await client.DeleteAsync("/v1/health/checks/redis", Ct);

        Assert.Equal(HttpStatusCode.OK, removed.StatusCode);
        Assert.True((await removed.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("removed").GetBoolean());
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        Assert.Empty((await client.GetFromJsonAsync<JsonElement>("/v1/health/checks", Ct)).EnumerateArray());
    }

    [Theory]
    [InlineData("?since=tuesday")]
    [InlineData("?limit=0")]
    [InlineData("?limit=x")]
    public async Task GetLog_BadQuery_400(string query)
    {
        await using var host = await HealthApiHost.StartAsync();
        using var client = host.Client();

        using var response = await client.GetAsync("/v1/health/log" + query, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task GetStatus_Empty_MachinesAndServicesAndComponentsRunning()
    {
        await using var host = await HealthApiHost.StartAsync();
        using var client = host.Client();

        var status = await client.GetFromJsonAsync<JsonElement>("/v1/health/status", Ct);

        Assert.Equal(60, status.GetProperty("machine_down_after_secs").GetDouble());
        Assert.Empty(status.GetProperty("machines").EnumerateArray());
        Assert.Empty(status.GetProperty("services").EnumerateArray());
        Assert.Empty(status.GetProperty("proxies").EnumerateArray());
        var registry = host.App.Services.GetRequiredService<StatusRegistry>();
        await Eventually.TrueAsync(() => registry.Snapshot("health").All(c => c.State == ComponentState.Running) && registry.Snapshot("health").Count == 3, "components running");
    }

    [Fact]
    public async Task GetStatus_ProxyFactsRegistered_ProxiesSectionWithStateAndReason()
    {
        var facts = new FakeProxyFacts();
        facts.Set(FakeProxyFacts.Up("grafana", DateTimeOffset.UtcNow));
        facts.Set(FakeProxyFacts.BackendDown("wiki", DateTimeOffset.UtcNow, failures: 2));
        await using var host = await HealthApiHost.StartAsync(proxies: facts);
        using var client = host.Client();

        var status = await WaitForAsync(client, s => s.GetProperty("proxies").GetArrayLength() == 2);

        var proxies = status.GetProperty("proxies").EnumerateArray().ToList();
        Assert.Equal(["grafana", "wiki"], proxies.Select(p => p.GetProperty("name").GetString()));
        Assert.Equal(("up", 8443, "http://localhost:3000", true, true), (
            proxies[0].GetProperty("state").GetString(),
            proxies[0].GetProperty("listen_port").GetInt32(),
            proxies[0].GetProperty("backend").GetString(),
            proxies[0].GetProperty("listening").GetBoolean(),
            proxies[0].GetProperty("backend_reachable").GetBoolean()));
        Assert.Equal(("down", false, 2L), (
            proxies[1].GetProperty("state").GetString(),
            proxies[1].GetProperty("backend_reachable").GetBoolean(),
            proxies[1].GetProperty("backend_failures").GetInt64()));
        Assert.Equal("backend http://localhost:3000: connection refused (127.0.0.1:3000)", proxies[1].GetProperty("detail").GetString());
    }

    [Fact]
    public async Task HttpCheck_PythonServerKilledAndRestarted_UpDownUpWithOneLineEach()
    {
        await using var host = await HealthApiHost.StartAsync();
        using var client = host.Client();
        using var dir = new TempDirectory();
        var port = KoiProcess.FreeTcpPort();
        var server = await PythonHttp.StartAsync(dir, port);
        try
        {
            (await client.PostAsJsonAsync("/v1/health/checks", new { name = "web", http = $"http://127.0.0.1:{port}/", interval = "1s", timeout = "1s" }, Ct)).Dispose();
            await WaitForStateAsync(client, "web", "up");

            await server.DisposeAsync();
            var down = await WaitForStateAsync(client, "web", "down");
            Assert.Equal("closed", down.GetProperty("label").GetString());

            // Several more failed runs must not add lines.
            await Task.Delay(TimeSpan.FromSeconds(2.5), Ct);
            server = await PythonHttp.StartAsync(dir, port);
            await WaitForStateAsync(client, "web", "up");
        }
        finally
        {
            await server.DisposeAsync();
        }

        var log = await client.GetFromJsonAsync<JsonElement>("/v1/health/log", Ct);
        var lines = log.EnumerateArray().Select(t => (t.GetProperty("subject").GetString(), t.GetProperty("from").GetString(), t.GetProperty("to").GetString())).ToList();
        Assert.Equal([("web", "200", "closed"), ("web", "closed", "200")], lines);
        var file = await File.ReadAllLinesAsync(Path.Combine(host.DataDir, "logs", "health.log"), Ct);
        Assert.Equal(2, file.Length);
        Assert.Contains("| web        | 200 → closed | HTTP check failed: connection refused", file[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task TcpCheck_ClosedPort_Down()
    {
        await using var host = await HealthApiHost.StartAsync();
        using var client = host.Client();
        var port = KoiProcess.FreeTcpPort();

        (await client.PostAsJsonAsync("/v1/health/checks", new { name = "db", tcp = $"127.0.0.1:{port}", interval = "1s" }, Ct)).Dispose();

        var view = await WaitForStateAsync(client, "db", "down");
        Assert.Equal("closed", view.GetProperty("label").GetString());
        Assert.Equal($"127.0.0.1:{port}", view.GetProperty("endpoint").GetString());
    }

    private static async Task<JsonElement> WaitForAsync(HttpClient client, Func<JsonElement, bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var status = await client.GetFromJsonAsync<JsonElement>("/v1/health/status", Ct);
            if (condition(status))
            {
                return status;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"status never matched: {status}");
            }

            await Task.Delay(100, Ct);
        }
    }

    private static async Task<JsonElement> WaitForStateAsync(HttpClient client, string name, string state)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var status = await client.GetFromJsonAsync<JsonElement>("/v1/health/status", Ct);
            foreach (var service in status.GetProperty("services").EnumerateArray())
            {
                if (service.GetProperty("name").GetString() == name && service.GetProperty("state").GetString() == state)
                {
                    return service;
                }
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{name} never became {state}: {status}");
            }

            await Task.Delay(100, Ct);
        }
    }
}
