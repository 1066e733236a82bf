using Koi.Core.Status;
using Koi.Dns.Api;
using Koi.Dns.Hosting;
using Koi.Dns.Settings;
using Koi.Dns.Sources;
using Koi.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Koi.Dns.Tests.Support;

/// <summary>The real DNS service (state file, zone maintainer, UDP/TCP listeners) on 127.0.0.1 and a free high port.</summary>
internal sealed class DnsTestServer : IAsyncDisposable
{
    private DnsTestServer(DnsService service, TempDirectory dir, StatusRegistry status, FakeServiceDirectory mdns, FakeMemberDirectory members, RecordingAdvertiser advertiser)
    {
        Service = service;
        Dir = dir;
        Status = status;
        Mdns = mdns;
        Members = members;
        Advertiser = advertiser;
    }

    private bool _ownsDir;

    public DnsService Service { get; }

    public TempDirectory Dir { get; }

    public StatusRegistry Status { get; }

    public FakeServiceDirectory Mdns { get; }

    public FakeMemberDirectory Members { get; }

    public RecordingAdvertiser Advertiser { get; }

    public IPEndPoint Endpoint => Service.UdpEndpoints[0];

    public static async Task<DnsTestServer> StartAsync(
        IReadOnlyList<string>? upstreams = null,
        bool serve = true,
        TempDirectory? dir = null,
        DnsCapabilityOptions? options = null,
        ServeRequest? request = null)
    {
        var ownsDir = dir is null;
        dir ??= new TempDirectory();
        var time = TimeProvider.System;
        var status = new StatusRegistry(time);
        options ??= new DnsCapabilityOptions { UdpReceiveLoops = 2, UpstreamTimeout = TimeSpan.FromMilliseconds(800) };
        options = options with { DefaultListen = () => [IPAddress.Loopback], ResolvConfPath = Path.Combine(dir.Path, "no-resolv.conf") };
        var mdns = new FakeServiceDirectory();
        var members = new FakeMemberDirectory();
        var advertiser = new RecordingAdvertiser();
        var service = new DnsService(
            new DnsStateStore(Path.Combine(dir.Path, "state", "dns.json")),
            (store, health) => new ZoneMaintainer(store, members, mdns, options.DefaultListen, health, time, NullLogger.Instance),
            options,
            advertiser,
            status,
            time,
            NullLogger.Instance);
        var server = new DnsTestServer(service, dir, status, mdns, members, advertiser) { _ownsDir = ownsDir };
        await service.StartAsync(TestContext.Current.CancellationToken);
        if (serve)
        {
            var port = TestPorts.UdpAndTcp(IPAddress.Loopback);
            await service.ServeAsync(
                (request ?? new ServeRequest()) with { Port = request?.Port ?? port, Listen = request?.Listen ?? ["127.0.0.1"], Upstreams = upstreams ?? request?.Upstreams ?? [] },
                TestContext.Current.CancellationToken);
        }

        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await Service.DisposeAsync();
        if (_ownsDir)
        {
            Dir.Dispose();
        }
    }
}
