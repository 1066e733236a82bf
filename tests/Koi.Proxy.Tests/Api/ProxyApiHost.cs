using Koi.Core.Errors;
using Koi.Core.Events;
using Koi.Core.Paths;
using Koi.Core.Status;
using Koi.Core.Storage;
using Koi.Proxy.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Koi.Proxy.Tests.Api;

/// <summary>The capability's routes on an in-memory server with the daemon's JSON and error conventions.</summary>
internal sealed class ProxyApiHost : IAsyncDisposable
{
    private ProxyApiHost(WebApplication app, TempDirectory dir, TestPki pki)
    {
        App = app;
        Dir = dir;
        Pki = pki;
    }

    public WebApplication App { get; }

    public TempDirectory Dir { get; }

    public TestPki Pki { get; }

    public static async Task<ProxyApiHost> StartAsync()
    {
        var dir = new TempDirectory();
        var pki = new TestPki();
        pki.WriteSet(dir.Combine("certs", ProxyHarness.Host), "01aa");
        var capability = new ProxyCapability(new ProxyOptions { Hostname = () => ProxyHarness.Host });
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(new KoiPaths(dir.Path));
        builder.Services.AddSingleton(new StatusRegistry(TimeProvider.System));
        builder.Services.AddSingleton<IEventBus>(new EventBus(TimeProvider.System));
        builder.Services.Configure<JsonOptions>(json => KoiJson.Apply(json.SerializerOptions, [Koi.Proxy.ProxyJsonContext.Default, Koi.Core.CoreJsonContext.Default]));
        builder.Services.Configure<RouteHandlerOptions>(routes => routes.ThrowOnBadRequest = true);
        capability.AddServices(builder.Services);
        var app = builder.Build();
        app.Use(async (context, next) =>
        {
            try
            {
                await next(context);
            }
            catch (KoiException ex)
            {
                context.Response.StatusCode = ex.HttpStatus;
                await context.Response.WriteAsJsonAsync(new KoiError(ex.Code, ex.Message), Koi.Core.CoreJsonContext.Default.KoiError);
            }
            catch (BadHttpRequestException ex)
            {
                context.Response.StatusCode = 400;
                await context.Response.WriteAsJsonAsync(new KoiError(KoiErrorCode.InvalidRequest, ex.Message), Koi.Core.CoreJsonContext.Default.KoiError);
            }
        });
        capability.MapEndpoints(app.MapGroup("/v1/proxy"));
        await app.StartAsync(TestContext.Current.CancellationToken);
        return new ProxyApiHost(app, dir, pki);
    }

    public HttpClient Client() => App.GetTestClient();

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync(CancellationToken.None);
        await App.DisposeAsync();
        Pki.Dispose();
        Dir.Dispose();
    }
}
