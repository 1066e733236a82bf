using System.Net;
using System.Net.Sockets;
using Koi.Core.Errors;
using Koi.Dns.Resolving;
using Koi.Dns.Transport;
using Microsoft.Extensions.Logging;

namespace Koi.Dns.Hosting;

/// <summary>One serving run: the resolver and its UDP and TCP listeners on every planned address.</summary>
internal sealed class DnsServerRun : IAsyncDisposable
{
    private readonly List<UdpDnsListener> _udp = [];
    private readonly List<TcpDnsListener> _tcp = [];

    private DnsServerRun(Resolver resolver, ServePlan plan)
    {
        Resolver = resolver;
        Plan = plan;
    }

    public Resolver Resolver { get; }

    public ServePlan Plan { get; }

    public IReadOnlyList<IPEndPoint> UdpEndpoints => _udp.ConvertAll(l => l.LocalEndPoint);

    public IReadOnlyList<IPEndPoint> TcpEndpoints => _tcp.ConvertAll(l => l.LocalEndPoint);

    /// <summary>The UDP sockets' descriptors, for tests that break one.</summary>
    internal IReadOnlyList<int> UdpDescriptors => _udp.ConvertAll(l => l.Descriptor);

    /// <summary>
    /// Binds everything or nothing: on the first failure what was bound is closed and a KoiException says why.
    /// <paramref name="udpStopped"/> and <paramref name="tcpStopped"/> hear of a listener loop that ends on its own.
    /// </summary>
    public static async Task<DnsServerRun> StartAsync(
        ServePlan plan,
        Resolver resolver,
        DnsCapabilityOptions options,
        TimeProvider time,
        ILogger logger,
        Action<string>? udpStopped = null,
        Action<string>? tcpStopped = null)
    {
        var run = new DnsServerRun(resolver, plan);
        var limits = new TcpListenerLimits(options.MaxTcpConnections, options.TcpIdleTimeout, options.MaxTcpConnectionsPerSource, options.TcpSendTimeout);
        try
        {
            foreach (var endpoint in plan.Listen)
            {
                var udp = UdpDnsListener.Start(endpoint, options.UdpReceiveLoops, resolver, logger, udpStopped, options.UdpReceiveHold);
                run._udp.Add(udp);
                // Port 0 (tests) lets the kernel choose; TCP then takes the same port as UDP.
                var tcpEndpoint = endpoint.Port == 0 ? new IPEndPoint(endpoint.Address, udp.LocalEndPoint.Port) : endpoint;
                run._tcp.Add(TcpDnsListener.Start(tcpEndpoint, resolver, limits, time, logger, tcpStopped));
            }
        }
        catch (SocketException ex)
        {
            await run.DisposeAsync();
            throw BindFailure(ex, plan);
        }

        return run;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var listener in _udp)
        {
            await listener.DisposeAsync();
        }

        foreach (var listener in _tcp)
        {
            await listener.DisposeAsync();
        }

        await Resolver.DisposeAsync();
    }

    private static KoiException BindFailure(SocketException ex, ServePlan plan)
    {
        var where = string.Join(", ", plan.Listen);
        return ex.SocketErrorCode switch
        {
            SocketError.AddressAlreadyInUse => new KoiException(KoiErrorCode.Conflict, $"cannot listen on {where}: the port is in use (another DNS server?)", ex),
            SocketError.AccessDenied => new KoiException(KoiErrorCode.Forbidden, $"cannot listen on {where}: ports below 1024 need root or CAP_NET_BIND_SERVICE", ex),
            SocketError.AddressNotAvailable => new KoiException(KoiErrorCode.InvalidRequest, $"cannot listen on {where}: an address is not one of this machine's", ex),
            _ => new KoiException(KoiErrorCode.Unavailable, $"cannot listen on {where}: {ex.SocketErrorCode}", ex),
        };
    }
}
