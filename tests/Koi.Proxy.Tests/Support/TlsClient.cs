using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Koi.Proxy.Tests.Support;

/// <summary>A TLS client on loopback that trusts only the test CA and checks the name, as a browser would.</summary>
internal sealed class TlsClient : IAsyncDisposable
{
    private TlsClient(Socket socket, SslStream stream)
    {
        Socket = socket;
        Stream = stream;
    }

    public Socket Socket { get; }

    public SslStream Stream { get; }

    public string Serial => Stream.RemoteCertificate is X509Certificate2 certificate
        ? certificate.SerialNumber.ToLowerInvariant()
        : X509CertificateLoader.LoadCertificate(Stream.RemoteCertificate!.GetRawCertData()).SerialNumber.ToLowerInvariant();

    /// <param name="source">The loopback address to connect from (another "machine" for per-source limits); 127.0.0.1 by default.</param>
    public static async Task<TlsClient> ConnectAsync(int port, X509Certificate2 ca, string host = "localhost", IPAddress? source = null, CancellationToken ct = default)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            if (source is not null)
            {
                socket.Bind(new IPEndPoint(source, 0));
            }

            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), ct);
            var stream = new SslStream(new NetworkStream(socket, ownsSocket: false), leaveInnerStreamOpen: false);
            await stream.AuthenticateAsClientAsync(
                new SslClientAuthenticationOptions
                {
                    TargetHost = host,
                    RemoteCertificateValidationCallback = (_, certificate, _, errors) => Trusted(certificate, errors, ca),
                },
                ct);
            return new TlsClient(socket, stream);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Reads until the proxy ends the stream; returns everything read.</summary>
    public async Task<byte[]> ReadToEndAsync(CancellationToken ct = default)
    {
        using var all = new MemoryStream();
        var buffer = new byte[16384];
        while (true)
        {
            var read = await Stream.ReadAsync(buffer, ct);
            if (read == 0)
            {
                return all.ToArray();
            }

            all.Write(buffer, 0, read);
        }
    }

    /// <summary>True when the proxy ends the connection (end of stream or reset) within the time; data read meanwhile is dropped.</summary>
    public async Task<bool> ClosedWithinAsync(TimeSpan within, CancellationToken ct = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(within);
        var buffer = new byte[16384];
        try
        {
            while (await Stream.ReadAsync(buffer, timeout.Token) > 0)
            {
            }

            return true;
        }
        catch (IOException)
        {
            return true;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Stream.DisposeAsync();
        Socket.Dispose();
    }

    private static bool Trusted(X509Certificate? certificate, SslPolicyErrors errors, X509Certificate2 ca)
    {
        if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return chain.Build(leaf);
    }
}
