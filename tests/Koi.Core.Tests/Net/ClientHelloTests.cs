using System.Text;
using Koi.Core.Net;
using Koi.Testing;

namespace Koi.Core.Tests.Net;

public sealed class ClientHelloTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Read_RealClientHelloWithName_FindsTheName()
    {
        var hello = await ClientHelloCapture.CaptureAsync("grafana.lan", Ct);

        var result = ClientHello.Read(hello, out var start, out var length);

        Assert.Equal(ClientHelloResult.ServerName, result);
        Assert.Equal("grafana.lan", Encoding.ASCII.GetString(hello, start, length));
    }

    [Fact]
    public async Task Read_ClientConnectingToAnAddress_NoServerName()
    {
        // RFC 6066 §3: a literal IP address is not sent as a server name.
        var hello = await ClientHelloCapture.CaptureAsync("127.0.0.1", Ct);

        Assert.Equal(ClientHelloResult.NoServerName, ClientHello.Read(hello, out _, out _));
    }

    [Fact]
    public async Task Read_EveryShorterPrefix_NeedMore()
    {
        var hello = await ClientHelloCapture.CaptureAsync("wiki.lan", Ct);

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
        var hello = await ClientHelloCapture.CaptureAsync("grafana.lan", Ct);
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
        var hello = await ClientHelloCapture.CaptureAsync("grafana.lan", Ct);

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
        var hello = await ClientHelloCapture.CaptureAsync("grafana.lan", Ct);
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
}
