using System.Text.Json;
using Koi.Core.Events;
using Koi.Core.Naming;
using Koi.Core.Paths;
using Koi.Core.Status;
using Koi.Core.Trust;
using Koi.Proxy.Api;
using Koi.Proxy.Entries;
using Koi.Proxy.State;
using Microsoft.Extensions.Logging.Abstractions;

namespace Koi.Proxy.Tests.Support;

/// <summary>
/// The proxy service on a private data dir, with a test CA's certificate written where certmesh would write it
/// (<c>certs/stone-test/</c>), real sockets on 127.0.0.1, and short retry intervals.
/// </summary>
internal sealed class ProxyHarness : IAsyncDisposable
{
    public const string Host = "stone-test";

    private readonly bool _ownsDir;
    private readonly IMeshClientTrust? _meshTrust;
    private readonly IServiceAdvertiser? _advertiser;

    public ProxyHarness(ProxyOptions? options = null, TimeProvider? time = null, TempDirectory? dir = null, bool writeCertificate = true, IMeshClientTrust? meshTrust = null, IServiceAdvertiser? advertiser = null)
    {
        _advertiser = advertiser;
        _meshTrust = meshTrust;
        _ownsDir = dir is null;
        Dir = dir ?? new TempDirectory();
        Time = time ?? TimeProvider.System;
        // Names are never looked up through the machine's real resolver in tests: every name is this machine unless a
        // test says otherwise.
        Options = (options ?? new ProxyOptions()) with { Hostname = () => Host, ResolveName = options?.ResolveName ?? ((_, _) => Task.FromResult(new[] { IPAddress.Loopback })) };
        if (options is null)
        {
            Options = Options with
            {
                BindRetry = TimeSpan.FromMilliseconds(200),
                CertificateRecheck = TimeSpan.FromMilliseconds(200),
                BackendCheckInterval = TimeSpan.FromHours(1),
            };
        }

        Paths = new KoiPaths(Dir.Path);
        Bus = new EventBus(Time);
        Status = new StatusRegistry(Time);
        if (writeCertificate)
        {
            Pki.WriteSet(CertDir, "01aa");
        }

        Service = Build();
    }

    public TempDirectory Dir { get; }

    public TestPki Pki { get; } = new();

    public TimeProvider Time { get; }

    public ProxyOptions Options { get; }

    public KoiPaths Paths { get; }

    public EventBus Bus { get; }

    public StatusRegistry Status { get; }

    public ProxyService Service { get; private set; }

    public ServiceNameBoard Board { get; } = new();

    public string CertDir => Dir.Combine("certs", Host);

    public string StatePath => Dir.Combine("state", "proxy.json");

    public ComponentSnapshot Component => Status.Snapshot("proxy").Single(c => c.Name == "proxy/listeners");

    public ComponentSnapshot LoopsComponent => Status.Snapshot("proxy").Single(c => c.Name == "proxy/loops");

    public static ProxyEntryRequest Request(string name, int port, string backend, bool remote = false, string? certPath = null, bool http2 = false, string? clients = null, bool noAlias = false) =>
        new(name, JsonSerializer.SerializeToElement(port), backend, remote, certPath, http2, clients, noAlias);

    public Task<ProxyEntryStatusView> AddAsync(string name, int port, string backend, bool remote = false, string? certPath = null, bool http2 = false, string? clients = null, bool noAlias = false) =>
        Service.AddAsync(Request(name, port, backend, remote, certPath, http2, clients, noAlias), TestContext.Current.CancellationToken);

    public ProxyEntryStatusView StatusOf(string name) => Service.Status().Entries.Single(e => e.Name == name);

    /// <summary>Stops the service as the daemon would, and starts a new one on the same data dir.</summary>
    public async Task RestartAsync()
    {
        await Service.DisposeAsync();
        Service = Build();
        await Service.StartAsync(TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await Service.DisposeAsync();
        Pki.Dispose();
        if (_ownsDir)
        {
            Dir.Dispose();
        }
    }

    private ProxyService Build() => new(
        new ProxyStateStore(StatePath),
        Options,
        Paths,
        Status.Register("proxy", "listeners"),
        Status.Register("proxy", "loops"),
        Bus,
        Time,
        NullLogger.Instance,
        _meshTrust,
        _advertiser,
        Board,
        Status.Register("proxy", "names"),
        Status.Register("proxy", "cert-watch"));
}
