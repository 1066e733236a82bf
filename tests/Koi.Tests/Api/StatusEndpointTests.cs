using System.Net.Http.Json;
using System.Text.Json;
using Koi.Core.Capabilities;
using Koi.Core.Status;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;

namespace Koi.Tests.Api;

public sealed class StatusEndpointTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Status_NoCapabilitiesBuilt_ListsAllFiveAsDisabledWithReason()
    {
        await using var daemon = await TestDaemon.StartAsync();

        var status = await GetStatus(daemon);

        var capabilities = status.GetProperty("capabilities").EnumerateArray().ToList();
        Assert.Equal(CapabilityNames.All, capabilities.Select(c => c.GetProperty("name").GetString()));
        Assert.All(capabilities, c => Assert.Equal("disabled", c.GetProperty("state").GetString()));
        Assert.Equal(Environment.MachineName, status.GetProperty("hostname").GetString());
    }

    [Fact]
    public async Task Status_AfterNinetySeconds_UptimeCountsFromDaemonStart()
    {
        var time = new ManualTimeProvider();
        await using var daemon = await TestDaemon.StartAsync(time: time);
        time.Advance(TimeSpan.FromSeconds(90));

        var status = await daemon.Client().GetFromJsonAsync<JsonElement>("/v1/status", TestContext.Current.CancellationToken);

        Assert.Equal(90, status.GetProperty("uptime_secs").GetInt64());
    }

    [Fact]
    public async Task Status_CoreComponents_ReportRunningOnlyAfterStart()
    {
        await using var daemon = await TestDaemon.StartAsync();

        var components = (await GetStatus(daemon)).GetProperty("components").EnumerateArray().ToList();

        Assert.Contains(components, c => c.GetProperty("name").GetString() == "core/http_api" && c.GetProperty("state").GetString() == "running");
    }

    [Fact]
    public async Task Status_CapabilityComponentFails_CapabilityReportsFailedWithReason()
    {
        var probe = new ProbeCapability();
        await using var daemon = await TestDaemon.StartAsync([probe]);
        var registry = daemon.Services.GetRequiredService<StatusRegistry>();
        registry.Register("dns", "udp_listener").Running();
        registry.Register("dns", "tcp_listener").Failed("bind 10.0.0.1:53: address in use");

        var dns = Capability(await GetStatus(daemon), "dns");

        Assert.Equal("failed", dns.GetProperty("state").GetString());
        Assert.Equal("dns/tcp_listener: bind 10.0.0.1:53: address in use", dns.GetProperty("reason").GetString());
        Assert.Equal(7, dns.GetProperty("summary").GetProperty("names").GetInt32());
    }

    [Fact]
    public async Task Status_CapabilityWithoutReports_IsStartingNotRunning()
    {
        await using var daemon = await TestDaemon.StartAsync([new ProbeCapability()]);

        Assert.Equal("starting", Capability(await GetStatus(daemon), "dns").GetProperty("state").GetString());
    }

    [Fact]
    public async Task Status_CapabilityDisabledByFlag_IsDisabledAndNotMapped()
    {
        await using var daemon = await TestDaemon.StartAsync([new ProbeCapability()], disabled: new HashSet<string> { "dns" });

        var dns = Capability(await GetStatus(daemon), "dns");
        var route = await daemon.Client().GetAsync("/v1/dns/ping", Ct);

        Assert.Equal("disabled", dns.GetProperty("state").GetString());
        Assert.Contains("--no-dns", dns.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, route.StatusCode);
    }

    [Fact]
    public async Task CapabilityRoutes_MountedUnderV1Name()
    {
        await using var daemon = await TestDaemon.StartAsync([new ProbeCapability()]);

        Assert.Equal("pong", await daemon.Client().GetStringAsync("/v1/dns/ping", Ct));
    }

    private static async Task<JsonElement> GetStatus(TestDaemon daemon) =>
        await daemon.Client().GetFromJsonAsync<JsonElement>("/v1/status", Ct);

    private static JsonElement Capability(JsonElement status, string name) =>
        status.GetProperty("capabilities").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);

    private sealed class ProbeCapability : IKoiCapability
    {
        public string Name => CapabilityNames.Dns;

        public void AddServices(IServiceCollection services)
        {
        }

        public void MapEndpoints(IEndpointRouteBuilder group) => group.MapGet("/ping", () => "pong");

        public IReadOnlyDictionary<string, object?> Summarize(IServiceProvider services) =>
            new Dictionary<string, object?> { ["names"] = 7 };
    }
}
