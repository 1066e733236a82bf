using System.Net;
using System.Net.Http.Json;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Koi.Certmesh.MeshPlane;
using Koi.Core;
using Koi.Core.Errors;
using Koi.Core.Storage;

namespace Koi.Certmesh.Membership;

/// <summary>
/// A member's calls to the CA's mTLS plane: its current mesh certificate as client certificate, and the CA's
/// service certificate accepted only if it chains to the pinned CA at this moment. Why a server certificate was
/// refused is kept, so the check can say "expired" rather than "unreachable".
/// </summary>
internal sealed class MeshClient(MemberFiles files, TimeProvider time)
{
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);

    private static CertmeshJsonContext Json => CertmeshJsonContext.Default;

    public Task<HeartbeatResponse> HeartbeatAsync(MembershipDocument member, HeartbeatRequest request, CancellationToken cancellationToken) =>
        SendAsync(member, "/heartbeat", JsonContent.Create(request, Json.HeartbeatRequest), Json.HeartbeatResponse, cancellationToken);

    public Task<RenewResponse> RenewAsync(MembershipDocument member, RenewRequest request, CancellationToken cancellationToken) =>
        SendAsync(member, "/renew", JsonContent.Create(request, Json.RenewRequest), Json.RenewResponse, cancellationToken);

    /// <summary>
    /// Proves to the CA that this member holds <paramref name="local"/>: the request leaves from that address (the
    /// socket is bound to it), so the CA sees it as the source (docs/certmesh.md "Addresses").
    /// </summary>
    public Task<AddressProofView> ProveAddressAsync(MembershipDocument member, IPAddress local, CancellationToken cancellationToken) =>
        SendAsync(member, "/prove-address", JsonContent.Create(new AddressProofRequest(local.ToString()), Json.AddressProofRequest), Json.AddressProofView, cancellationToken, local);

    /// <summary>The plane's base address: the CA endpoint's host, the announced mesh port.</summary>
    public static string BaseAddress(MembershipDocument member)
    {
        var uri = new Uri(member.CaEndpoint);
        var host = uri.HostNameType == UriHostNameType.IPv6 ? $"[{uri.IdnHost}]" : uri.IdnHost;
        return $"https://{host}:{member.CaMeshPort ?? CertmeshOptions.DefaultMeshPort}{MeshRoutes.Prefix}";
    }

    internal async Task<T> SendAsync<T>(MembershipDocument member, string path, HttpContent body, JsonTypeInfo<T> answer, CancellationToken cancellationToken, IPAddress? local = null)
    {
        var dir = files.CertPath(member.Hostname);
        using var client = X509Certificate2.CreateFromPemFile(Path.Combine(dir, "cert.pem"), Path.Combine(dir, "key.pem"));
        using var pinned = X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(dir, "ca.pem")));
        string? refused = null;
        using var handler = new SocketsHttpHandler
        {
            ConnectTimeout = RequestTimeout,
            SslOptions = new SslClientAuthenticationOptions
            {
                ClientCertificates = [client],
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                {
                    refused = ServerProblem(certificate as X509Certificate2, pinned, member.PinnedCaFingerprint, time.GetUtcNow());
                    return refused is null;
                },
            },
        };
        if (local is not null)
        {
            handler.ConnectCallback = (context, ct) => ConnectFromAsync(local, context.DnsEndPoint, ct);
        }

        using var http = new HttpClient(handler) { Timeout = RequestTimeout };
        HttpResponseMessage response;
        try
        {
            using (body)
            {
                response = await http.PostAsync(BaseAddress(member) + path, body, cancellationToken);
            }
        }
        catch (HttpRequestException ex) when (refused is not null)
        {
            throw new MeshServerRefusedException(refused, ex);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new KoiException(KoiErrorCode.CaUnreachable, $"the CA's mesh plane at {BaseAddress(member)} did not answer: {ex.Message}");
        }

        using (response)
        {
            var payload = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                var error = TryError(payload);
                throw new KoiException(error?.Error ?? KoiErrorCode.CaUnreachable, $"CA: {error?.Message ?? $"HTTP {(int)response.StatusCode}"}");
            }

            try
            {
                return JsonSerializer.Deserialize(payload, answer) ?? throw new JsonException("empty body");
            }
            catch (JsonException ex)
            {
                throw new KoiException(KoiErrorCode.CaUnreachable, $"the CA's mesh plane answered something that is not a certmesh reply: {ex.Message}");
            }
        }
    }

    private static async ValueTask<Stream> ConnectFromAsync(IPAddress local, DnsEndPoint remote, CancellationToken cancellationToken)
    {
        var socket = new Socket(local.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            socket.Bind(new IPEndPoint(local, 0));
            await socket.ConnectAsync(remote, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Null when the server certificate chains to the pinned CA now; otherwise why not.</summary>
    internal static string? ServerProblem(X509Certificate2? certificate, X509Certificate2 pinned, string pinnedFingerprint, DateTimeOffset now)
    {
        if (certificate is null)
        {
            return "the CA's mesh plane presented no certificate";
        }

        if (!string.Equals(HelloVerifier.Fingerprint(pinned), pinnedFingerprint, StringComparison.Ordinal))
        {
            return "the CA certificate on disk is not the pinned one";
        }

        if (certificate.NotAfter.ToUniversalTime() < now)
        {
            return $"expired: the CA's service certificate expired {certificate.NotAfter.ToUniversalTime():yyyy-MM-ddTHH:mm:ssZ}";
        }

        if (certificate.NotBefore.ToUniversalTime() > now)
        {
            return $"not_yet_valid: the CA's service certificate is valid only from {certificate.NotBefore.ToUniversalTime():yyyy-MM-ddTHH:mm:ssZ}";
        }

        return HelloVerifier.ChainProblem(certificate, pinned, now) is { } chain ? $"fingerprint_changed: {chain}" : null;
    }

    private static KoiError? TryError(byte[] payload)
    {
        try
        {
            return JsonSerializer.Deserialize(payload, CoreJsonContext.Default.KoiError);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>The CA's mesh plane presented a certificate this member does not accept; the message says why.</summary>
internal sealed class MeshServerRefusedException(string reason, Exception inner) : Exception(reason, inner)
{
    /// <summary>expired, not_yet_valid or fingerprint_changed.</summary>
    public string Kind => Message.Split(':')[0];
}
