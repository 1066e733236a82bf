using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using Koi.Core.Net;

namespace Koi.Core.Tests.Net;

public sealed class ClientHelloTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Read_RealClientHelloWithName_FindsTheName()
    {
        var hello = await CaptureAsync("grafana.lan");

        var result = ClientHello.Read(hello, out var start, out var length);

        Assert.Equal(ClientHelloResult.ServerName, result);
        Assert.Equal("grafana.lan", Encoding.ASCII.GetString(hello, start, length));
    }

    [Fact]
    public async Task Read_ClientConnectingToAnAddress_NoServerName()
    {
        // RFC 6066 §3: a literal IP address is not sent as a server name.
        var hello = await CaptureAsync("127.0.0.1");

        Assert.Equal(ClientHelloResult.NoServerName, ClientHello.Read(hello, out _, out _));
    }

    [Fact]
    public async Task Read_EveryShorterPrefix_NeedMore()
    {
        var hello = await CaptureAsync("wiki.lan");

        for (var length = 0; length < hello.Length; length++)
        {
            Assert.Equal(ClientHelloResult.NeedMore, ClientHello.Read(hello.AsSpan(0, length), out _, out _));
        }
    }

    [Fact]
    public void Read_PlainHttpRequest_NotTls()
    {
        Assert.Equal(ClientHelloResult.NotTls, ClientHello.Read("GET / HTTP/1.1\r\n\r\n"u8, out _, out _));
    }

    [Fact]
    public async Task Read_RandomCorruption_NeverThrowsAndNeverPointsOutside()
    {
        var hello = await CaptureAsync("grafana.lan");
        var random = new Random(16);
        for (var round = 0; round < 20_000; round++)
        {
            var copy = (byte[])hello.Clone();
            for (var flips = random.Next(1, 6); flips > 0; flips--)
            {
                copy[random.Next(copy.Length)] = (byte)random.Next(256);
            }

            var cut = random.Next(copy.Length + 1);
            var result = ClientHello.Read(copy.AsSpan(0, cut), out var start, out var length);

            if (result == ClientHelloResult.ServerName)
            {
                Assert.InRange(start, 0, cut - 1);
                Assert.InRange(length, 1, cut - start);
            }
        }
    }

    [Fact]
    public async Task Offers_RealDotnetClientHello_Tls13AndAesGcmForBothKeyTypes()
    {
        var hello = await CaptureAsync("grafana.lan");

        Assert.Equal(HelloOffers.Tls13 | HelloOffers.EcdsaAesGcm | HelloOffers.RsaAesGcm, ClientHello.Offers(hello));
    }

    [Fact]
    public void Offers_PlainHttpOrIncompleteRecord_None()
    {
        Assert.Equal(HelloOffers.None, ClientHello.Offers("GET / HTTP/1.1\r\n\r\n"u8));
        Assert.Equal(HelloOffers.None, ClientHello.Offers([22, 3, 1, 0, 200, 1]));
    }

    [Fact]
    public async Task Offers_RandomCorruption_NeverThrows()
    {
        var hello = await CaptureAsync("grafana.lan");
        var random = new Random(18);
        for (var round = 0; round < 20_000; round++)
        {
            var copy = (byte[])hello.Clone();
            for (var flips = random.Next(1, 6); flips > 0; flips--)
            {
                copy[random.Next(copy.Length)] = (byte)random.Next(256);
            }

            _ = ClientHello.Offers(copy.AsSpan(0, random.Next(copy.Length + 1)));
        }
    }

    /// <summary>The first bytes a real .NET (OpenSSL) TLS client sends when it connects to <paramref name="host"/>.</summary>
    private static async Task<byte[]> CaptureAsync(string host)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port, Ct);
        using var server = await listener.AcceptSocketAsync(Ct);
        using var tls = new SslStream(client.GetStream());
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var handshake = tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = host }, stop.Token);

        var buffer = new byte[ClientHello.MaxRecord];
        var read = 0;
        while (read < 5 || read < 5 + ((buffer[3] << 8) | buffer[4]))
        {
            read += await server.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None, Ct);
        }

        await stop.CancelAsync();
        server.Close();
        await Assert.ThrowsAnyAsync<Exception>(() => handshake);
        return buffer[..read];
    }
}
