using System.Text;
using Koi.Daemon;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Hosting;
using Microsoft.OpenApi;
using Microsoft.OpenApi.Reader;

namespace Koi.Tests.Api;

/// <summary><c>/openapi/v1.json</c>: generated from the real endpoints, parsed back with Microsoft.OpenApi.</summary>
public sealed class OpenApiDocumentTests
{
    [Fact]
    public async Task Document_EveryCapabilityBuilt_EveryMappedRouteAndMethodPresentWithErrorShape()
    {
        using var dir = new TempDirectory();
        await using var app = await StartComposedAsync(dir);
        var json = await FetchAsync(app);

        var document = Parse(json);

        var routes = Routes(app).ToList();
        Assert.True(routes.Count > 45, $"only {routes.Count} routes found");
        Assert.Contains(routes, r => r.Path.StartsWith("/v1/mdns/", StringComparison.Ordinal));
        foreach (var (path, method) in routes)
        {
            Assert.True(document.Paths.TryGetValue(path, out var item), $"{path} missing from the document");
            Assert.True(item!.Operations!.TryGetValue(method, out var operation), $"{method} {path} missing from the document");
            Assert.True(operation!.Responses!.TryGetValue("default", out var error), $"{method} {path} has no error response");
            var errorSchema = error!.Content!["application/json"].Schema!;
            Assert.True(errorSchema.Properties!.ContainsKey("error") && errorSchema.Properties.ContainsKey("message"), $"{method} {path}: error shape is not {{error, message}}");
            Assert.True(operation.Responses.Keys.Any(k => k.StartsWith('2')), $"{method} {path} has no success response");
        }
    }

    [Fact]
    public async Task Document_PostRoutesWithBodies_RequestAndResponseSchemasNamed()
    {
        using var dir = new TempDirectory();
        await using var app = await StartComposedAsync(dir);

        var document = Parse(await FetchAsync(app));

        var add = document.Paths["/v1/proxy/entries"].Operations![HttpMethod.Post];
        Assert.Contains("backend", Properties(add.RequestBody!.Content!["application/json"].Schema!));
        var approve = document.Paths["/v1/certmesh/approve"].Operations![HttpMethod.Post];
        Assert.Contains("hostname", Properties(approve.RequestBody!.Content!["application/json"].Schema!));
        var status = document.Paths["/v1/status"].Operations![HttpMethod.Get].Responses!["200"].Content!["application/json"].Schema!;
        Assert.Contains("capabilities", Properties(status));
    }

    [Fact]
    public async Task Served_RealDaemon_OpenApiJsonParsesAndListsStatusAndMetrics()
    {
        await using var daemon = await LocalDaemon.StartAsync(KoiProcess.BuiltBinary);
        using var http = new HttpClient();

        var json = await http.GetStringAsync(new Uri(daemon.Endpoint, "/openapi/v1.json"), TestContext.Current.CancellationToken);

        var document = Parse(json);
        Assert.Equal("koi daemon API", document.Info.Title);
        Assert.Contains("/v1/status", document.Paths.Keys);
        Assert.Contains("/metrics", document.Paths.Keys);
        Assert.Contains("/v1/certmesh/approve", document.Paths.Keys);
    }

    /// <summary>A schema's properties, also through the <c>oneOf: [null, $ref]</c> that an optional body becomes.</summary>
    private static IEnumerable<string> Properties(IOpenApiSchema schema) =>
        schema.Properties?.Keys ?? schema.OneOf?.SelectMany(o => o.Properties?.Keys ?? []) ?? [];

    private static readonly DaemonToken Token = DaemonToken.Generate();

    private static async Task<string> FetchAsync(WebApplication app)
    {
        using var client = app.GetTestClient();
        client.DefaultRequestHeaders.Add(DaemonToken.HeaderName, Token.Value);
        return await client.GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative), TestContext.Current.CancellationToken);
    }

    private static OpenApiDocument Parse(string json)
    {
        var result = OpenApiDocument.Parse(json, "json", new OpenApiReaderSettings());
        Assert.NotNull(result.Document);
        Assert.Empty(result.Diagnostic?.Errors ?? []);
        return result.Document!;
    }

    /// <summary>
    /// Every capability, mDNS included, composed on an in-memory server with none of their hosted services: the
    /// routes are all mapped, and no socket is opened (an mDNS engine never runs in the host's network namespace).
    /// </summary>
    private static async Task<WebApplication> StartComposedAsync(TempDirectory dir)
    {
        var options = new DaemonOptions { DataDir = dir.Path };
        var app = DaemonApp.Build(options, Token, DaemonApp.BuiltInCapabilities(options), builder =>
        {
            builder.WebHost.UseTestServer();
            var capabilityLoops = builder.Services
                .Where(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType?.Name != "GenericWebHostService")
                .ToList();
            foreach (var descriptor in capabilityLoops)
            {
                builder.Services.Remove(descriptor);
            }
        });
        await app.StartAsync(TestContext.Current.CancellationToken);
        return app;
    }

    private static IEnumerable<(string Path, HttpMethod Method)> Routes(WebApplication app)
    {
        foreach (var endpoint in ((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>())
        {
            var pattern = "/" + endpoint.RoutePattern.RawText!.TrimStart('/');
            if (pattern.StartsWith("/openapi/", StringComparison.Ordinal))
            {
                continue;
            }

            foreach (var method in endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? [])
            {
                yield return (pattern, HttpMethod.Parse(method));
            }
        }
    }
}
