using Koi.Core.Errors;
using Koi.Core.Status;
using Koi.Core.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Koi.Mdns.Tests.Api;

/// <summary>
/// The capability's routes on an in-memory server with the daemon's JSON and error conventions, and its engine on a
/// virtual LAN next to a peer engine.
/// </summary>
internal sealed class MdnsApiHost : IAsyncDisposable
{
    private MdnsApiHost(WebApplication app, ManualTimeProvider time, VirtualLan lan, VirtualTransport transport)
    {
        App = app;
        Time = time;
        Lan = lan;
        Transport = transport;
    }

    /// <summary>The daemon engine's interface: <see cref="VirtualTransport.SetUp"/> takes it down or up.</summary>
    public VirtualTransport Transport { get; }

    public WebApplication App { get; }

    public ManualTimeProvider Time { get; }

    public VirtualLan Lan { get; }

    public MdnsEngine Engine => App.Services.GetRequiredService<MdnsEngine>();

    /// <param name="interfaceUp">False: the engine starts with no usable interface (no socket open).</param>
    public static async Task<MdnsApiHost> StartAsync(bool interfaceUp = true)
    {
        var time = new ManualTimeProvider();
        var lan = new VirtualLan(time);
        var transport = lan.Attach("10.0.0.1");
        if (!interfaceUp)
        {
            transport.SetUp(false);
        }

        var capability = new MdnsCapability(sp => new MdnsEngine(
            new MdnsOptions { HostName = "daemon" },
            transport,
            time,
            NullLogger.Instance,
            sp.GetRequiredService<StatusRegistry>(),
            new Random(7)));
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Services.AddSingleton<TimeProvider>(time);
        builder.Services.AddSingleton(new StatusRegistry(time));
        builder.Services.Configure<JsonOptions>(json => KoiJson.Apply(json.SerializerOptions, [Koi.Mdns.MdnsJsonContext.Default, Koi.Core.CoreJsonContext.Default]));
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
        });
        capability.MapEndpoints(app.MapGroup("/v1/mdns"));
        await app.StartAsync(TestContext.Current.CancellationToken);
        time.Advance(TimeSpan.FromSeconds(3));
        return new MdnsApiHost(app, time, lan, transport);
    }

    public HttpClient Client() => App.GetTestClient();

    /// <summary>Moves the clock while a request that waits on mDNS timing (probing, timeouts) runs.</summary>
    public async Task<T> WhileAdvancingAsync<T>(Task<T> request, TimeSpan step, int maxSteps = 100)
    {
        for (var i = 0; i < maxSteps && !request.IsCompleted; i++)
        {
            Time.Advance(step);
            await Task.WhenAny(request, Task.Delay(10, TestContext.Current.CancellationToken));
        }

        return await request.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync(CancellationToken.None);
        await App.DisposeAsync();
    }
}
