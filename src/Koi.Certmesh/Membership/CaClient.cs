using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Koi.Core;
using Koi.Core.Errors;

namespace Koi.Certmesh.Membership;

/// <summary>
/// The joiner's side of the CA's LAN routes. A CA's own error (e.g. <c>invalid_totp</c>) comes back as the same
/// <see cref="KoiException"/> code, so the joiner's CLI shows the CA's words; anything else is <c>ca_unreachable</c>.
/// </summary>
internal sealed class CaClient(HttpClient http)
{
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);

    private static CertmeshJsonContext Json => CertmeshJsonContext.Default;

    public Task<HelloResponse> HelloAsync(string endpoint, string nonce, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, endpoint, "/v1/certmesh/hello", JsonContent.Create(new HelloRequest(nonce), Json.HelloRequest), Json.HelloResponse, cancellationToken);

    public Task<CaJoinResponse> JoinAsync(string endpoint, CaJoinRequest request, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, endpoint, "/v1/certmesh/join", JsonContent.Create(request, Json.CaJoinRequest), Json.CaJoinResponse, cancellationToken);

    public Task<CaJoinResponse> PollAsync(string endpoint, string requestId, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, endpoint, $"/v1/certmesh/join/{Uri.EscapeDataString(requestId)}", null, Json.CaJoinResponse, cancellationToken);

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

    private async Task<T> SendAsync<T>(HttpMethod method, string endpoint, string path, HttpContent? body, JsonTypeInfo<T> answer, CancellationToken cancellationToken)
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
