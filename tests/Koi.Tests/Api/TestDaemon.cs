using System.Net;
using Koi.Core.Capabilities;
using Koi.Daemon;
using Koi.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Koi.Tests.Api;

/// <summary>
/// The real daemon pipeline on an in-memory server. Requests come from 127.0.0.1 unless a test sets
/// <see cref="RemoteHeader"/> to pose as another address, and carry the daemon token unless a test asks otherwise.
/// </summary>
internal sealed class TestDaemon : IAsyncDisposable
{
    public const string RemoteHeader = "x-test-remote-ip";

    private readonly TempDirectory _dir;

    private TestDaemon(WebApplication app, DaemonToken token, TempDirectory dir)
    {
        App = app;
        Token = token;
        _dir = dir;
    }

    public WebApplication App { get; }

    public DaemonToken Token { get; }

    public IServiceProvider Services => App.Services;

    public static async Task<TestDaemon> StartAsync(
        IReadOnlyList<IKoiCapability>? capabilities = null,
        Action<WebApplication>? mapExtra = null,
        IReadOnlySet<string>? disabled = null,
        TimeProvider? time = null)
    {
        var token = DaemonToken.Generate();
        var dir = new TempDirectory();
        var options = new DaemonOptions { DataDir = dir.Path, Disabled = disabled ?? new HashSet<string>() };
        var app = DaemonApp.Build(options, token, capabilities ?? [], builder =>
        {
            builder.WebHost.UseTestServer();
            builder.Services.AddSingleton<IStartupFilter, RemoteAddressFromHeader>();
            if (time is not null)
            {
                builder.Services.AddSingleton(time);
            }
        }, mapExtra);
        await app.StartAsync(TestContext.Current.CancellationToken);
        return new TestDaemon(app, token, dir);
    }

    public HttpClient Client(bool withToken = true, string? remote = null)
    {
        var client = App.GetTestClient();
        if (withToken)
        {
            client.DefaultRequestHeaders.Add(DaemonToken.HeaderName, Token.Value);
        }

        if (remote is not null)
        {
            client.DefaultRequestHeaders.Add(RemoteHeader, remote);
        }

        return client;
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync(CancellationToken.None);
        await App.DisposeAsync();
        _dir.Dispose();
    }

    private sealed class RemoteAddressFromHeader : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, nextMiddleware) =>
            {
                var header = context.Request.Headers[RemoteHeader].ToString();
                context.Connection.RemoteIpAddress = header.Length > 0 ? IPAddress.Parse(header) : IPAddress.Loopback;
                return nextMiddleware(context);
            });
            next(app);
        };
    }
}
