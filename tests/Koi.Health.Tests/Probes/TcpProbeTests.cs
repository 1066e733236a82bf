using System.Net.Sockets;
using Koi.Health.Checks;
using Koi.Health.Probes;

namespace Koi.Health.Tests.Probes;

public sealed class TcpProbeTests
{
    [Fact]
    public async Task ProbeAsync_Listening_UpOpen()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;

        var result = await ProbeAsync($"127.0.0.1:{port}");

        Assert.Equal(new ProbeResult(true, "open"), result);
    }

    [Fact]
    public async Task ProbeAsync_ClosedPort_DownClosed()
    {
        var port = Testing.KoiProcess.FreeTcpPort();

        var result = await ProbeAsync($"127.0.0.1:{port}");

        Assert.Equal(new ProbeResult(false, "closed", "connection refused"), result);
    }

    [Fact]
    public async Task ProbeAsync_Ipv6Loopback_UpOpen()
    {
        using var listener = new TcpListener(IPAddress.IPv6Loopback, 0);
        try
        {
            listener.Start();
        }
        catch (SocketException)
        {
            Assert.Skip("no IPv6 loopback here");
        }

        var port = ((IPEndPoint)listener.LocalEndpoint).Port;

        Assert.True((await ProbeAsync($"[::1]:{port}")).Up);
    }

    [Fact]
    public async Task ProbeAsync_LocalhostName_ResolvesAndConnects()
    {
        // Loopback only; if localhost names ::1 first, the probe must try the next address.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;

        Assert.True((await ProbeAsync($"localhost:{port}")).Up);
    }

    private static async Task<ProbeResult> ProbeAsync(string target)
    {
        var check = new CheckDefinition("t", CheckKind.Tcp, target, 30, 5, DateTimeOffset.UtcNow);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(TimeSpan.FromSeconds(10));
        return await new TcpProbe().ProbeAsync(check, cts.Token);
    }
}
