using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Koi.Core;
using Koi.Core.Errors;
using Koi.Daemon;
using Koi.Dns.Api;
using Koi.Dns.Zone;
using Koi.Health.Checks;
using Koi.Tests.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;

namespace Koi.Tests.Contracts;

/// <summary>
/// The CLI reads the daemon's answers with the very view types the endpoints write. These tests call every route the
/// daemon maps without parameters, read each answer with the CLI's deserializer (<see cref="AppJson.Options"/>) into
/// the type the route declares, write it back and compare: a field the type lacks, renames or mistypes fails here.
/// </summary>
public sealed class ApiContractTests
{
    // Routes whose handler returns IResult, so the endpoint carries no response type: what the CLI reads them as.
    private static readonly Dictionary<string, Type> Undeclared = new(StringComparer.Ordinal)
    {
        ["/v1/dns/entries"] = typeof(List<ZoneEntry>),
        ["/v1/dns/zone"] = typeof(ZoneExportView),
    };

    // Routes that are not JSON documents.
    private static readonly HashSet<string> NotJson = new(StringComparer.Ordinal)
    {
        "/v1/events", "/v1/certmesh/ca.pem", "/v1/certmesh/crl", "/metrics", "/", "/login",
    };

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task EveryGetRoute_AnswerReadByCli_RoundTripsUnchanged()
    {
        await using var daemon = await StartAllButMdnsAsync();
        var client = daemon.Client(withToken: true);
        await SeedAsync(client);

        var checkedRoutes = new List<string>();
        foreach (var (route, declared) in GetRoutes(daemon))
        {
            if (NotJson.Contains(route))
            {
                continue;
            }

            using var response = await client.GetAsync(route, Ct);
            var body = await response.Content.ReadAsStringAsync(Ct);
            var type = response.IsSuccessStatusCode
                ? declared ?? Undeclared.GetValueOrDefault(route) ?? throw new Xunit.Sdk.XunitException($"{route}: no response type declared; add it to {nameof(Undeclared)}")
                : typeof(KoiError);

            AssertRoundTrips(route, body, type);
            checkedRoutes.Add(route);
        }

        // Guards the test itself: the capabilities' routes were there to be checked.
        Assert.Contains("/v1/status", checkedRoutes);
        Assert.Contains("/v1/dns/status", checkedRoutes);
        Assert.Contains("/v1/health/status", checkedRoutes);
        Assert.Contains("/v1/proxy/status", checkedRoutes);
        Assert.Contains("/v1/certmesh/status", checkedRoutes);
    }

    [Fact]
    public async Task WriteAnswers_ReadByCli_RoundTripUnchanged()
    {
        await using var daemon = await StartAllButMdnsAsync();
        var client = daemon.Client(withToken: true);

        using var entry = await client.PostAsJsonAsync("/v1/dns/entries", new { name = "nas", address = "192.168.1.20" }, Ct);
        using var check = await client.PostAsJsonAsync("/v1/health/checks", new { name = "db", tcp = "127.0.0.1:1", interval = "1m" }, Ct);
        using var removed = await client.DeleteAsync("/v1/health/checks/db", Ct);
        using var proxy = await client.PostAsJsonAsync("/v1/proxy/entries", new { name = "web", listen = 1, backend = "http://127.0.0.1:3000" }, Ct);

        Assert.Equal(HttpStatusCode.Created, entry.StatusCode);
        AssertRoundTrips("POST /v1/dns/entries", await entry.Content.ReadAsStringAsync(Ct), typeof(EntryAdded));
        Assert.Equal(HttpStatusCode.Created, check.StatusCode);
        AssertRoundTrips("POST /v1/health/checks", await check.Content.ReadAsStringAsync(Ct), typeof(CheckDefinition));
        AssertRoundTrips("DELETE /v1/health/checks/db", await removed.Content.ReadAsStringAsync(Ct), typeof(Koi.Health.Api.CheckRemovedView));
        Assert.Equal(HttpStatusCode.BadRequest, proxy.StatusCode);
        AssertRoundTrips("POST /v1/proxy/entries", await proxy.Content.ReadAsStringAsync(Ct), typeof(KoiError));
    }

    [Fact]
    public void RoundTrip_FieldTheTypeLacks_Fails()
    {
        // Guards AssertRoundTrips: a body with a field the CLI type does not have must not pass.
        var body = """{"error":"not_found","message":"x","extra":1}""";

        Assert.ThrowsAny<Exception>(() => AssertRoundTrips("synthetic", body, typeof(KoiError)));
    }

    private static void AssertRoundTrips(string route, string body, Type type)
    {
        var value = JsonSerializer.Deserialize(body, AppJson.Options.GetTypeInfo(type));
        var again = JsonSerializer.Serialize(value, AppJson.Options.GetTypeInfo(type));

        Assert.True(
            JsonNode.DeepEquals(JsonNode.Parse(body), JsonNode.Parse(again)),
            $"{route} read as {type.Name} does not round-trip:\n daemon: {body}\n cli:    {again}");
    }

    private static IEnumerable<(string Route, Type? Declared)> GetRoutes(TestDaemon daemon)
    {
        var sources = daemon.Services.GetServices<EndpointDataSource>();
        foreach (var endpoint in sources.SelectMany(s => s.Endpoints).OfType<RouteEndpoint>())
        {
            var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? [];
            var route = "/" + endpoint.RoutePattern.RawText!.TrimStart('/');
            if (!methods.Contains("GET") || endpoint.RoutePattern.Parameters.Count > 0)
            {
                continue;
            }

            var declared = endpoint.Metadata.OfType<IProducesResponseTypeMetadata>()
                .FirstOrDefault(m => m.StatusCode == StatusCodes.Status200OK && m.Type is not null && m.Type != typeof(void))?.Type;
            yield return (route, declared);
        }
    }

    private static async Task SeedAsync(HttpClient client)
    {
        (await client.PostAsJsonAsync("/v1/dns/entries", new { name = "nas", address = "192.168.1.20" }, Ct)).Dispose();
        (await client.PostAsJsonAsync("/v1/health/checks", new { name = "db", tcp = "127.0.0.1:1", interval = "1m" }, Ct)).Dispose();
    }

    // mDNS stays off: a daemon with mDNS never runs in the machine's own network namespace (docs/testing.md).
    private static Task<TestDaemon> StartAllButMdnsAsync() =>
        TestDaemon.StartAsync(
            DaemonApp.BuiltInCapabilities(new DaemonOptions { DataDir = Path.GetTempPath() }),
            disabled: new HashSet<string>(StringComparer.Ordinal) { "mdns" });
}
