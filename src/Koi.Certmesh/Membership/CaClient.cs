using System.Net.Http.Json;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Koi.Certmesh.MeshPlane;
using Koi.Core;
using Koi.Core.Errors;

namespace Koi.Certmesh.Membership;

/// <summary>
/// The joiner's side of the CA's LAN routes. A CA's own error (e.g. <c>invalid_totp</c>) comes back as the same
/// <see cref="KoiException"/> code, so the joiner's CLI shows the CA's words; anything else is <c>ca_unreachable</c>.
/// The hello and the public bundle travel over plain HTTP; the join and its poll — which carry the TOTP code — only
/// over TLS to the CA's mesh plane, to a server that proves it holds the hello's certificate (docs/security.md).
/// </summary>
internal sealed class CaClient(HttpClient http)
{
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);

    private static CertmeshJsonContext Json => CertmeshJsonContext.Default;

    public Task<HelloResponse> HelloAsync(string endpoint, string nonce, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, endpoint, "/v1/certmesh/hello", JsonContent.Create(new HelloRequest(nonce), Json.HelloRequest), Json.HelloResponse, cancellationToken);

    /// <summary>The join, over TLS to the CA whose identity <paramref name="ca"/> holds; nothing is sent before the CA's certificate checks out.</summary>
    public static Task<CaJoinResponse> JoinAsync(CaIdentity ca, CaJoinRequest request, DateTimeOffset now, CancellationToken cancellationToken) =>
        SendTlsAsync(HttpMethod.Post, ca, "/join", JsonContent.Create(request, Json.CaJoinRequest), Json.CaJoinResponse, now, cancellationToken);

    public static Task<CaJoinResponse> PollAsync(CaIdentity ca, string requestId, DateTimeOffset now, CancellationToken cancellationToken) =>
        SendTlsAsync(HttpMethod.Get, ca, $"/join/{Uri.EscapeDataString(requestId)}", null, Json.CaJoinResponse, now, cancellationToken);

    /// <summary>The CA's signed trust bundle; the caller verifies it (<see cref="Revocation.TrustBundleVerifier"/>).</summary>
    public Task<Revocation.SignedTrustBundle> BundleAsync(string endpoint, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, endpoint, "/v1/certmesh/bundle", null, Json.SignedTrustBundle, cancellationToken);

    /// <summary>A usable base address from what a user typed: <c>host</c>, <c>host:port</c> or a full URL.</summary>
    public static string NormalizeEndpoint(string endpoint)
    {
        var text = endpoint.Trim();
        if (!text.Contains("://", StringComparison.Ordinal))
        {
            text = "http://" + text;
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.Host.Length == 0)
        {
            throw new KoiException(KoiErrorCode.InvalidRequest, $"'{endpoint}' is not a CA endpoint (expected e.g. http://stone-01.local:5641)");
        }

        // Port 80 written out is as unlikely for a CA as it is for a typo; the default means "the enrollment port".
        var builder = new UriBuilder(uri) { Path = string.Empty, Query = string.Empty, Fragment = string.Empty };
        if (uri.IsDefaultPort)
        {
            builder.Port = CertmeshOptions.DefaultEnrollmentPort;
        }

        return builder.Uri.GetLeftPart(UriPartial.Authority);
    }

    /// <summary>The enrollment base address: the CA endpoint's host, the port of its TLS plane.</summary>
    public static string TlsBase(CaIdentity ca)
    {
        if (ca.MeshPort is not { } port)
        {
            throw new KoiException(KoiErrorCode.CaUnreachable, $"the CA at {ca.Endpoint} offers no TLS enrollment (its mesh plane is off: certmesh.mesh_port); the code is not sent in clear");
        }

        var uri = new Uri(ca.Endpoint);
        var host = uri.HostNameType == UriHostNameType.IPv6 ? $"[{uri.IdnHost}]" : uri.IdnHost;
        return $"https://{host}:{port}{MeshRoutes.Prefix}";
    }

    /// <summary>
    /// Null when <paramref name="certificate"/> is the CA's own service certificate from the hello: the same
    /// certificate, naming the CA's host, chaining now to the CA certificate whose fingerprint the joiner trusts.
    /// </summary>
    public static string? ServerProblem(X509Certificate2? certificate, CaIdentity ca, DateTimeOffset now)
    {
        if (certificate is null)
        {
            return "the CA presented no certificate";
        }

        if (ca.CaCert is null || ca.ServiceCertFingerprint is null)
        {
            return "no verified hello to check the CA's certificate against";
        }

        using var caCert = X509Certificate2.CreateFromPem(ca.CaCert);
        if (!string.Equals(HelloVerifier.Fingerprint(caCert), ca.CaFingerprint, StringComparison.Ordinal))
        {
            return "the CA certificate is not the one the fingerprint names";
        }

        if (!string.Equals(HelloVerifier.Fingerprint(certificate), ca.ServiceCertFingerprint, StringComparison.Ordinal))
        {
            return "the TLS server is not the machine that answered the hello";
        }

        return HelloVerifier.ChainProblem(certificate, caCert, now) ?? HelloVerifier.NameProblem(certificate, ca.Hostname);
    }

    /// <summary>
    /// True when <paramref name="certificate"/> differs from the hello's only in being another certificate of the same
    /// CA for the same host — what the CA's own renewal between the hello and this connection looks like. The joiner
    /// asks for a fresh hello then, which only the holder of that certificate's key can sign.
    /// </summary>
    public static bool IsRenewedSinceHello(X509Certificate2? certificate, CaIdentity ca, DateTimeOffset now)
    {
        if (certificate is null || ca.CaCert is null)
        {
            return false;
        }

        using var caCert = X509Certificate2.CreateFromPem(ca.CaCert);
        return string.Equals(HelloVerifier.Fingerprint(caCert), ca.CaFingerprint, StringComparison.Ordinal)
            && HelloVerifier.ChainProblem(certificate, caCert, now) is null
            && HelloVerifier.NameProblem(certificate, ca.Hostname) is null;
    }

    private static async Task<T> SendTlsAsync<T>(HttpMethod method, CaIdentity ca, string path, HttpContent? body, JsonTypeInfo<T> answer, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var baseAddress = TlsBase(ca);
        string? refused = null;
        var renewed = false;
        using var handler = new SocketsHttpHandler
        {
            ConnectTimeout = RequestTimeout,
            SslOptions = new SslClientAuthenticationOptions
            {
                // The only judge of the server: the CA the joiner trusts (its system store knows nothing of it).
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                {
                    refused = ServerProblem(certificate as X509Certificate2, ca, now);
                    renewed = refused is not null && IsRenewedSinceHello(certificate as X509Certificate2, ca, now);
                    return refused is null;
                },
            },
        };
        using var tls = new HttpClient(handler);
        try
        {
            return await SendAsync(tls, method, baseAddress, path, body, answer, cancellationToken);
        }
        catch (KoiException) when (refused is not null)
        {
            var message = $"the CA at {baseAddress} failed the TLS identity check: {refused} — possible MITM; the code was not sent";
            throw renewed ? new CaRenewedSinceHelloException(message) : new KoiException(KoiErrorCode.CaFingerprintMismatch, message);
        }
    }

    private Task<T> SendAsync<T>(HttpMethod method, string endpoint, string path, HttpContent? body, JsonTypeInfo<T> answer, CancellationToken cancellationToken) =>
        SendAsync(http, method, endpoint, path, body, answer, cancellationToken);

    private static async Task<T> SendAsync<T>(HttpClient http, HttpMethod method, string endpoint, string path, HttpContent? body, JsonTypeInfo<T> answer, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(RequestTimeout);
        using var request = new HttpRequestMessage(method, endpoint.TrimEnd('/') + path);

        // A fresh connection per call: an identity proof must reach whoever holds the address now, not a pooled
        // connection to whoever held it before (an impersonator, or the real CA before a move).
        request.Headers.ConnectionClose = true;
        request.Content = body;

        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, timeout.Token);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new KoiException(KoiErrorCode.CaUnreachable, $"the CA at {endpoint} did not answer: {ex.Message}");
        }

        using (response)
        {
            byte[] payload;
            try
            {
                payload = await response.Content.ReadAsByteArrayAsync(timeout.Token);
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                throw new KoiException(KoiErrorCode.CaUnreachable, $"the CA at {endpoint} broke off its answer: {ex.Message}");
            }

            if (!response.IsSuccessStatusCode)
            {
                throw CaError(endpoint, response, payload);
            }

            try
            {
                return JsonSerializer.Deserialize(payload, answer)
                    ?? throw new JsonException("empty body");
            }
            catch (JsonException ex)
            {
                throw new KoiException(KoiErrorCode.CaUnreachable, $"the CA at {endpoint} answered something that is not a certmesh reply: {ex.Message}");
            }
        }
    }

    private static KoiException CaError(string endpoint, HttpResponseMessage response, byte[] payload)
    {
        KoiError? error = null;
        try
        {
            error = JsonSerializer.Deserialize(payload, CoreJsonContext.Default.KoiError);
        }
        catch (JsonException)
        {
        }

        var retryAfter = response.Headers.RetryAfter?.Delta is { } delta ? (int?)Math.Ceiling(delta.TotalSeconds) : null;
        if (error is null || string.IsNullOrEmpty(error.Error) || !KoiErrorStatus.Table.ContainsKey(error.Error))
        {
            return new KoiException(KoiErrorCode.CaUnreachable, $"the CA at {endpoint} answered HTTP {(int)response.StatusCode} without a certmesh error");
        }

        // The CA's own forbidden (e.g. a management route) is about the CA, not about this daemon's caller.
        var code = error.Error == KoiErrorCode.Unauthorized ? KoiErrorCode.CaUnreachable : error.Error;
        return new KoiException(code, $"CA: {error.Message}") { RetryAfterSeconds = retryAfter };
    }
}
