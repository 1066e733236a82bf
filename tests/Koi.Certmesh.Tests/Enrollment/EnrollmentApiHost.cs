using System.Net;
using Koi.Certmesh.Authority;
using Koi.Certmesh.Roster;
using Koi.Core.Errors;
using Koi.Core.Events;
using Koi.Core.Paths;
using Koi.Core.Status;
using Koi.Core.Storage;
using Koi.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Koi.Certmesh.Tests.Enrollment;

/// <summary>
/// The certmesh capability's routes on an in-memory server with the daemon's JSON and error conventions (status from
/// the one error table, Retry-After on 429). A test names the caller's address in <see cref="RemoteHeader"/>.
/// </summary>
internal sealed class EnrollmentApiHost : IAsyncDisposable
{
    public const string RemoteHeader = "x-test-remote";

    private readonly TempDirectory _dir;

    private EnrollmentApiHost(WebApplication app, TempDirectory dir, ManualTimeProvider time, EventBus events)
    {
        App = app;
        _dir = dir;
        Time = time;
        Events = events;
    }

    public WebApplication App { get; }

    public ManualTimeProvider Time { get; }

    public EventBus Events { get; }

    public string DataDir => _dir.Path;

    public CertmeshAuthority Ca => App.Services.GetRequiredService<CertmeshAuthority>();

    /// <param name="meshPort">The mesh plane's TLS port once a CA exists here (0: a free one, on loopback).</param>
    public static async Task<EnrollmentApiHost> StartAsync(int meshPort = CertmeshOptions.DefaultMeshPort)
    {
        var dir = new TempDirectory();
        var time = new ManualTimeProvider(DateTimeOffset.UtcNow);
        var events = new EventBus(time);
        var capability = new CertmeshCapability(new CertmeshOptions
        {
            Hostname = () => "stone-a",
            Addresses = () => [IPAddress.Parse("10.77.0.11")],
            ManageTrustStores = false,
            MachineId = () => "machine-a",
            MeshPort = meshPort,
        });
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Services.AddSingleton<TimeProvider>(time);
        builder.Services.AddSingleton(new KoiPaths(dir.Path));
        builder.Services.AddSingleton(new StatusRegistry(time));
        builder.Services.AddSingleton<IEventBus>(events);
        builder.Services.Configure<JsonOptions>(json => KoiJson.Apply(json.SerializerOptions, [Koi.Certmesh.CertmeshJsonContext.Default, Koi.Core.CoreJsonContext.Default]));
        builder.Services.Configure<RouteHandlerOptions>(routes => routes.ThrowOnBadRequest = true);
        capability.AddServices(builder.Services);
        var app = builder.Build();
        app.Use(async (context, next) =>
        {
            if (context.Request.Headers.TryGetValue(RemoteHeader, out var remote))
            {
                context.Connection.RemoteIpAddress = IPAddress.Parse(remote.ToString());
            }

            try
            {
                await next(context);
            }
            catch (KoiException ex)
            {
                context.Response.StatusCode = ex.HttpStatus;
                if (ex.RetryAfterSeconds is { } seconds)
                {
                    context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                }

                await context.Response.WriteAsJsonAsync(new KoiError(ex.Code, ex.Message), Koi.Core.CoreJsonContext.Default.KoiError);
            }
            catch (BadHttpRequestException ex)
            {
                context.Response.StatusCode = 400;
                await context.Response.WriteAsJsonAsync(new KoiError(KoiErrorCode.InvalidRequest, ex.Message), Koi.Core.CoreJsonContext.Default.KoiError);
            }
        });
        capability.MapEndpoints(app.MapGroup("/v1/certmesh"));

        // The mesh plane's join routes, without its TLS listener: the enrollment contract is the same there.
        Koi.Certmesh.MeshPlane.MeshRoutes.MapJoin(app.MapGroup(Koi.Certmesh.MeshPlane.MeshRoutes.Prefix));
        await app.StartAsync(TestContext.Current.CancellationToken);
        return new EnrollmentApiHost(app, dir, time, events);
    }

    /// <summary>Creates the CA through the authority and returns the TOTP secret, as the authenticator app has it.</summary>
    public async Task<byte[]> CreateAsync(TrustProfile profile)
    {
        var created = await Ca.CreateAsync(CertmeshHarness.Plan(profile), CertmeshHarness.Passphrase, null, CertmeshAuthority.NewTotpSecret(null), CancellationToken.None);
        return Koi.Certmesh.Crypto.Base32.Decode(created.TotpUri.Split("secret=")[1].Split('&')[0]);
    }

    public HttpClient Client(string remote)
    {
        var client = App.GetTestClient();
        client.DefaultRequestHeaders.Add(RemoteHeader, remote);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync(CancellationToken.None);
        await App.DisposeAsync();
        _dir.Dispose();
    }
}
