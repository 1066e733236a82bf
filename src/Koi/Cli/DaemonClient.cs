using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Koi.Core;
using Koi.Core.Errors;
using Koi.Core.Net;
using Koi.Core.Paths;
using Koi.Core.Storage;
using Koi.Daemon;

namespace Koi.Cli;

/// <summary>
/// The CLI's way to its daemon. The local daemon's token (from the breadcrumb) is only ever sent to a loopback
/// endpoint; a remote daemon needs --token / KOI_TOKEN. Before the token or anything else leaves, the daemon proves
/// it holds the token (<see cref="DaemonProof"/>).
/// </summary>
internal sealed class DaemonClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly string? _token;
    private Task? _proven;

    private DaemonClient(Uri endpoint, string? token, bool chosen)
    {
        Endpoint = endpoint;
        Chosen = chosen;
        _token = token;
        _http = new HttpClient { BaseAddress = endpoint, Timeout = TimeSpan.FromSeconds(100) };
    }

    public Uri Endpoint { get; }

    /// <summary>The user named this endpoint (flag or KOI_ENDPOINT): never silently fall back to anything else.</summary>
    public bool Chosen { get; }

    public bool HasToken => _token is not null;

    public static DaemonClient Create(string? endpointFlag, string? tokenFlag, string? dataDirFlag, Func<string, string?> environment)
    {
        var paths = KoiPaths.Resolve(dataDirFlag, environment);
        if (File.Exists(Breadcrumb.PathIn(paths.DataDir))
            && (DataDirSafety.Problem(paths.DataDir) ?? DataDirSafety.Problem(Breadcrumb.PathIn(paths.DataDir))) is { } unsafeDir)
        {
            throw new CliFailure("data_dir_unsafe", $"not trusting the daemon breadcrumb: {unsafeDir}");
        }

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
        if (_token is not null)
        {
            await (_proven ??= ProveAsync(_token, cancellationToken));
            request.Headers.Add(DaemonToken.HeaderName, _token);
        }

        var response = await SendUncheckedAsync(request, cancellationToken);
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

    /// <summary>
    /// Asks the daemon for HMAC(token, fresh nonce) and refuses to go on unless it is right: whatever answers on the
    /// endpoint gets neither the token nor a passphrase until it has shown it already holds the token.
    /// </summary>
    private async Task ProveAsync(string token, CancellationToken cancellationToken)
    {
        var nonce = DaemonProof.NewNonce();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{DaemonProof.Route}?nonce={nonce}");
        using var response = await SendUncheckedAsync(request, cancellationToken);
        DaemonProofAnswer? answer = null;
        if (response.IsSuccessStatusCode)
        {
            try
            {
                answer = await response.Content.ReadFromJsonAsync(KoiJsonContext.Default.DaemonProofAnswer, cancellationToken);
            }
            catch (JsonException)
            {
            }
        }

        if (!DaemonProof.Verify(token, nonce, answer?.Proof))
        {
            throw new CliFailure(
                "daemon_unproven",
                $"whatever answers at {Endpoint} did not prove it holds the daemon token ({(int)response.StatusCode} {response.ReasonPhrase}), " +
                "so neither the token nor any passphrase was sent. Another program may have taken the daemon's port; " +
                "check `koi daemon` is running, or pass the right --endpoint and --token.");
        }
    }

    private async Task<HttpResponseMessage> SendUncheckedAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        try
        {
            return await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw new DaemonUnreachableException(Endpoint.ToString(), ex);
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new DaemonUnreachableException(Endpoint.ToString(), ex);
        }
    }

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
        endpoint.IsLoopback || (IPAddress.TryParse(endpoint.Host.Trim('[', ']'), out var address) && IpRanges.IsLoopback(address));

    private static string? Nonempty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
