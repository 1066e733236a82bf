using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;

namespace Koi.Testing;

/// <summary>The first TLS record a real .NET (OpenSSL) client sends when it connects to a host: its ClientHello.</summary>
public static class ClientHelloCapture
{
    // A TLS record: a 5-byte header and at most 2^14 bytes of payload (RFC 8446 §5.1).
    private const int MaxRecord = 5 + (1 << 14);

    /// <summary>Captures the ClientHello asking for <paramref name="host"/> off a plain socket; the handshake is then abandoned.</summary>
    public static async Task<byte[]> CaptureAsync(string host, CancellationToken ct)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port, ct);
        using var server = await listener.AcceptSocketAsync(ct);
        using var tls = new SslStream(client.GetStream());
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var handshake = tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = host }, stop.Token);

        var buffer = new byte[MaxRecord];
        var read = 0;
        while (read < 5 || read < 5 + ((buffer[3] << 8) | buffer[4]))
        {
            var got = await server.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None, ct);
            if (got == 0)
            {
                throw new IOException($"the TLS client closed after {read} bytes, before its ClientHello was whole");
            }

            read += got;
        }

        await stop.CancelAsync();
        server.Close();
        try
        {
            await handshake;
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or AuthenticationException)
        {
            // Abandoned on purpose: only the ClientHello was wanted.
        }

        return buffer[..read];
    }
}
