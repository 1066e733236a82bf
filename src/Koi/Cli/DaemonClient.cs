using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Koi.Core;
using Koi.Core.Errors;
using Koi.Core.Paths;
using Koi.Core.Storage;
using Koi.Daemon;

namespace Koi.Cli;

/// <summary>
/// The CLI's way to its daemon. The local daemon's token (from the breadcrumb) is only ever sent to a loopback
/// endpoint; a remote daemon needs --token / KOI_TOKEN.
/// </summary>
internal sealed class DaemonClient : IDisposable
{
    private readonly HttpClient _http;

    private DaemonClient(Uri endpoint, string? token, bool chosen)
    {
        Endpoint = endpoint;
        Chosen = chosen;
        _http = new HttpClient { BaseAddress = endpoint, Timeout = TimeSpan.FromSeconds(100) };
        if (token is not null)
        {
            _http.DefaultRequestHeaders.Add(DaemonToken.HeaderName, token);
        }
    }

    public Uri Endpoint { get; }

    /// <summary>The user named this endpoint (flag or KOI_ENDPOINT): never silently fall back to anything else.</summary>
    public bool Chosen { get; }

    public bool HasToken => _http.DefaultRequestHeaders.Contains(DaemonToken.HeaderName);

    public static DaemonClient Create(string? endpointFlag, string? tokenFlag, string? dataDirFlag, Func<string, string?> environment)
    {
        var paths = KoiPaths.Resolve(dataDirFlag, environment);
        var breadcrumb = Breadcrumb.TryRead(paths.DataDir);
        var explicitEndpoint = Nonempty(endpointFlag) ?? Nonempty(environment("KOI_ENDPOINT"));
        var endpointText = explicitEndpoint ?? breadcrumb?.Endpoint ?? $"http://127.0.0.1:{DaemonOptions.DefaultHttpPort}";
        if (!Uri.TryCreate(endpointText, UriKind.Absolute, out var endpoint) || endpoint.Scheme is not ("http" or "https"))
        {
            throw new UsageException($"'{endpointText}' is not an http(s) URL");
        }

        var token = Nonempty(tokenFlag) ?? Nonempty(environment("KOI_TOKEN"));
        if (token is null && breadcrumb is not null && IsLoopback(endpoint))
        {
            token = breadcrumb.Token;
        }

        return new DaemonClient(endpoint, token, explicitEndpoint is not null);
    }

    public Task<T> GetAsync<T>(string path, CancellationToken cancellationToken) =>
        SendAsync<T>(HttpMethod.Get, path, null, cancellationToken);

    public async Task<T> SendAsync<T>(HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        using var response = await SendRawAsync(method, path, body, cancellationToken);
        return await response.Content.ReadFromJsonAsync(AppJson.Options.Info<T>(), cancellationToken)
            ?? throw new InvalidOperationException($"empty answer from {path}");
    }

    public async Task<HttpResponseMessage> SendRawAsync(HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, AppJson.Options.GetTypeInfo(body.GetType()));
        }

        return await SendRawAsync(request, cancellationToken);
    }

    /// <summary>Sends as is and returns once the headers arrive, so streams (SSE) can be read as they come.</summary>
    public async Task<HttpResponseMessage> SendRawAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw new DaemonUnreachableException(Endpoint.ToString(), ex);
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new DaemonUnreachableException(Endpoint.ToString(), ex);
        }

        if (!response.IsSuccessStatusCode)
        {
            using (response)
            {
                throw new DaemonErrorException((int)response.StatusCode, await ReadErrorAsync(response, cancellationToken));
            }
        }

        return response;
    }

    public void Dispose() => _http.Dispose();

    private static async Task<KoiError> ReadErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var error = await response.Content.ReadFromJsonAsync(CoreJsonContext.Default.KoiError, cancellationToken);
            if (error is not null)
            {
                return error;
            }
        }
        catch (JsonException)
        {
        }

        return new KoiError(KoiErrorCode.Internal, $"daemon answered {(int)response.StatusCode} {response.ReasonPhrase}");
    }

    private static bool IsLoopback(Uri endpoint) =>
        endpoint.IsLoopback || (IPAddress.TryParse(endpoint.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));

    private static string? Nonempty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
