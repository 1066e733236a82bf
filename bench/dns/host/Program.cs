using Koi.Core.Errors;
using Koi.Core.Paths;
using Koi.Core.Status;
using Koi.Core.Storage;
using Koi.Dns;
using Microsoft.AspNetCore.Http.Json;

// Usage: DnsBenchHost DATA_DIR HTTP_PORT — serves /v1/dns on 127.0.0.1:HTTP_PORT until SIGTERM.
var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture)));
builder.Services.Configure<JsonOptions>(json => KoiJson.Apply(json.SerializerOptions, [DnsCapability.JsonContext, Koi.Core.CoreJsonContext.Default]));
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton(new KoiPaths(args[0]));
builder.Services.AddSingleton(sp => new StatusRegistry(sp.GetRequiredService<TimeProvider>()));
var dns = new DnsCapability(new DnsCapabilityOptions { Advertise = false });
dns.AddServices(builder.Services);
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
dns.MapEndpoints(app.MapGroup("/v1/dns"));
app.MapGet("/healthz", () => "ok");
await app.RunAsync();
