using Koi.Core.Errors;
using Koi.Core.Events;
using Koi.Core.Paths;
using Koi.Core.Proxy;
using Koi.Core.Status;
using Koi.Core.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Koi.Health.Tests.Api;

/// <summary>The capability's routes on an in-memory server with the daemon's JSON and error conventions and the real clock.</summary>
internal sealed class HealthApiHost : IAsyncDisposable
{
    private readonly TempDirectory _dir;

    private HealthApiHost(WebApplication app, TempDirectory dir)
    {
        App = app;
        _dir = dir;
    }

    public WebApplication App { get; }

    public string DataDir => _dir.Path;

    /// <param name="proxies">The proxy's facts as the daemon would register them; none (no proxy) when null.</param>
    public static async Task<HealthApiHost> StartAsync(HealthOptions? options = null, IProxyFacts? proxies = null)
    {
        var dir = new TempDirectory();
        var capability = new HealthCapability(options);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(new KoiPaths(dir.Path));
        builder.Services.AddSingleton(new StatusRegistry(TimeProvider.System));
        builder.Services.AddSingleton<IEventBus>(new EventBus(TimeProvider.System));
        if (proxies is not null)
        {
            builder.Services.AddSingleton(proxies);
        }

        builder.Services.Configure<JsonOptions>(json => KoiJson.Apply(json.SerializerOptions, [Koi.Health.HealthJsonContext.Default, Koi.Core.CoreJsonContext.Default]));
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
        capability.MapEndpoints(app.MapGroup("/v1/health"));
        await app.StartAsync(TestContext.Current.CancellationToken);
        return new HealthApiHost(app, dir);
    }

    public HttpClient Client() => App.GetTestClient();

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync(CancellationToken.None);
        await App.DisposeAsync();
        _dir.Dispose();
    }
}
