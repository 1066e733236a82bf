using System.Net.Sockets;
using Koi.Dns.Forwarding;
using Koi.Dns.Resolving;
using Koi.Dns.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace Koi.Dns.Tests.Forwarding;

/// <summary>The forwarding hot path stays allocation-free with the source-port pool and 0x20 in it.</summary>
public sealed class ForwardAllocationTests
{
    [Fact(Timeout = 60_000)]
    public async Task ForwardFromUdp_PoolPortAndCaseMix_SendPathAllocatesNothing()
    {
        using var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        upstream.Bind(new IPEndPoint(IPAddress.Parse("127.0.77.5"), 0));
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveTimeout = 5000 };
        client.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var clientAddress = ((IPEndPoint)client.LocalEndPoint!).Serialize();
        var sockaddr = clientAddress.Buffer[..clientAddress.Size].ToArray();
        await using var forwarder = new UpstreamForwarder([(IPEndPoint)upstream.LocalEndPoint!], TimeSpan.FromSeconds(2), 64, new DnsCounters(), TimeProvider.System, NullLogger.Instance);
        using var stop = new CancellationTokenSource();

        // An honest upstream on its own thread: echoes each query back as the answer (QR set), case and all.
        var echo = new Thread(() =>
        {
            var buffer = new byte[1232];
            EndPoint from = new IPEndPoint(IPAddress.Any, 0);
            try
            {
                while (!stop.IsCancellationRequested)
                {
                    var length = upstream.ReceiveFrom(buffer, ref from);
                    buffer[2] |= 0x80;
                    upstream.SendTo(buffer, 0, length, SocketFlags.None, from);
                }
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
            }
        })
        { IsBackground = true };
        echo.Start();
        var query = Queries.Build("Allocation.Example.ORG", DnsType.A, id: 3);
        var immediate = new byte[1232];
        var answer = new byte[1232];

        // No assertion inside the measured loop: xunit's Assert allocates. Failures are counted and checked after.
        var failures = 0;
        void ForwardOnce()
        {
            var immediateLength = forwarder.ForwardFromUdp(query, 1232, listener, sockaddr, immediate);
            var length = client.Receive(answer);
            failures += immediateLength != 0 || length < query.Length ? 1 : 0;
        }

        for (var i = 0; i < 300; i++)
        {
            ForwardOnce(); // every pooled job, id and random block in place
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 300; i++)
        {
            ForwardOnce();
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        await stop.CancelAsync();
        upstream.Dispose();

        Assert.Equal(0, failures);
        Assert.Equal(0, allocated);
        Assert.Equal(query.AsSpan(12).ToArray(), answer.AsSpan(12, query.Length - 12).ToArray()); // the client's own case came back
    }
}
