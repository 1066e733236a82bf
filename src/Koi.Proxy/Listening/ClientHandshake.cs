using System.ComponentModel;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Koi.Core.Net;
using Koi.Core.Trust;
using Koi.Proxy.Certificates;
using Koi.Proxy.Entries;
using Koi.Proxy.Pumping;
using Koi.Proxy.Routing;
using Koi.Proxy.Transport;
using Microsoft.Extensions.Logging;

namespace Koi.Proxy.Listening;

/// <summary>
/// The TLS handshake of one entry's clients: its ClientHello read and held to AEAD suites, the entry's current
/// certificate presented, ALPN answered, and with <c>--clients mesh</c> the client's certificate checked against the
/// mesh's trust bundle. Every way a client can fail here is counted as a failed handshake.
/// </summary>
internal sealed partial class ClientHandshake
{
    // Nothing is parsed, so the ALPN answer decides the protocol on the wire: h2 only where the backend speaks h2c.
    private static readonly List<SslApplicationProtocol> Http11Protocols = [SslApplicationProtocol.Http11];
    private static readonly List<SslApplicationProtocol> Http2Protocols = [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11];

    private readonly ProxyEntry _entry;
    private readonly CertificateSource _certificates;
    private readonly EntryCounters _counters;
    private readonly ProxyOptions _options;
    private readonly ILogger _logger;
    private readonly IMeshClientTrust _meshTrust;
    private readonly RemoteCertificateValidationCallback _admitMeshClient;

    public ClientHandshake(ProxyEntry entry, CertificateSource certificates, EntryCounters counters, ProxyOptions options, ILogger logger, IMeshClientTrust meshTrust)
    {
        _entry = entry;
        _certificates = certificates;
        _counters = counters;
        _options = options;
        _logger = logger;
        _meshTrust = meshTrust;
        _admitMeshClient = AdmitMeshClient;
    }

    /// <summary>
    /// Ends a client's TLS session at once (close_notify, then FIN), e.g. when its backend is down, rather than leaving
    /// it waiting; a client gone already is no error.
    /// </summary>
    public static async Task CloseGracefullyAsync(SslStream tls)
    {
        try
        {
            await tls.ShutdownAsync();
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or InvalidOperationException)
        {
        }
    }

    /// <summary>
    /// Reads the client's ClientHello (unless <paramref name="hello"/> holds it already; rented from the pool, returned
    /// here) and completes the handshake before <paramref name="deadline"/> (the connection's, armed by its listener with
    /// <see cref="ProxyOptions.HandshakeTimeout"/>; cancelled too when the listener stops); null, counted as a failed
    /// handshake, when that did not happen. A client whose ClientHello offers no AEAD suite for this certificate — no
    /// TLS 1.3 and no TLS 1.2 AES-GCM suite — gets a handshake_failure alert (RFC 8446 §6.2), as it would from a server
    /// that lists AEAD suites only (docs/security.md); a handshake that ends on another suite anyway is closed.
    /// </summary>
    public async Task<SslStream?> OpenTlsAsync(LoopSocket client, byte[]? hello, int length, CancellationToken deadline)
    {
        var certificate = _certificates.Current;
        SslStream? tls = null;
        try
        {
            if (certificate is null)
            {
                _counters.HandshakeFailed();
                return null;
            }

            if (hello is null)
            {
                hello = _options.BufferPool.Rent(ClientHello.MaxRecord);
                length = await HelloReceiver.ReceiveAsync(client, hello, deadline);
                if (length == 0)
                {
                    _counters.HandshakeFailed();
                    return null;
                }
            }

            if (!TlsPolicy.OffersAead(hello.AsSpan(0, length), certificate.EcdsaKey))
            {
                _counters.HandshakeFailed();
                LogHandshakeFailed(_logger, _entry.Name, "the client offers no AEAD cipher suite");
                await client.SendAsync(TlsPolicy.HandshakeFailureAlert, deadline);
                return null;
            }

            var stream = new LoopStream(client, hello, length, _options.BufferPool);
            hello = null;
            tls = new SslStream(stream, leaveInnerStreamOpen: false);
            if (!await HandshakeAsync(tls, certificate, deadline))
            {
                return null;
            }

            (var done, tls) = (tls, null);
            return done;
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or IOException or SocketException)
        {
            // Silent, slow or gone before its ClientHello was in.
            _counters.HandshakeFailed();
            return null;
        }
        finally
        {
            if (hello is not null)
            {
                _options.BufferPool.Return(hello);
            }

            tls?.Dispose();
        }
    }

    private async Task<bool> HandshakeAsync(SslStream tls, LoadedCertificate certificate, CancellationToken ct)
    {
        try
        {
            // Protocols only: the suites are held to AEAD by OpenTlsAsync, so that .NET keeps one OpenSSL context
            // per certificate (with session resumption) instead of building one per handshake (TlsPolicy.ApplyProtocols).
            var options = TlsPolicy.ApplyProtocols(new SslServerAuthenticationOptions
            {
                ServerCertificateContext = certificate.Context,
                ApplicationProtocols = _entry.Http2 ? Http2Protocols : Http11Protocols,
                ClientCertificateRequired = false,
                AllowRenegotiation = false,
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            });
            if (_entry.Clients == ProxyClients.Mesh)
            {
                // The chain to the mesh root is built by the TLS stack under the bundle's policy (no downloads, no
                // revocation fetch); the callback adds the revoked-serial lookup. A refusal fails the handshake, so
                // a revoked machine never reaches the backend.
                options.ClientCertificateRequired = true;
                options.CertificateChainPolicy = _meshTrust.Current.ChainPolicy;
                options.RemoteCertificateValidationCallback = _admitMeshClient;
            }

            await tls.AuthenticateAsServerAsync(options, ct);
            if (!TlsPolicy.IsAead(tls.NegotiatedCipherSuite))
            {
                _counters.HandshakeFailed();
                LogHandshakeFailed(_logger, _entry.Name, "the negotiated cipher suite is not an AEAD suite");
                return false;
            }

            return true;
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException or SocketException or OperationCanceledException or ObjectDisposedException or Win32Exception)
        {
            // Scanners, plain-HTTP clients, clients that distrust the CA: counted, logged at debug only.
            _counters.HandshakeFailed();
            LogHandshakeFailed(_logger, _entry.Name, ex.Message);
            return false;
        }
    }

    private bool AdmitMeshClient(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (_meshTrust.Current.Refusal(certificate, errors) is not { } refusal)
        {
            return true;
        }

        _counters.ClientRefused();
        if (certificate is null)
        {
            LogHandshakeFailed(_logger, _entry.Name, refusal);
        }
        else
        {
            LogClientRefused(_logger, _entry.Name, certificate.Subject, certificate.GetSerialNumberString(), refusal);
        }

        return false;
    }
}
