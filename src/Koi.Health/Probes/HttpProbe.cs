using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using Koi.Core.Health;
using Koi.Health.Checks;

namespace Koi.Health.Probes;

/// <summary>
/// An HTTP check: GET the URL, any 2xx is up and the status code is what people see. HTTPS targets
/// validate against the system store and, failing that, the mesh CA, so a certmesh-served service checks green.
/// </summary>
internal sealed class HttpProbe(IMeshTrustAnchors meshAnchors) : ICheckProbe
{
    private const int MaxRedirects = 5;

    public async Task<ProbeResult> ProbeAsync(CheckDefinition check, CancellationToken cancellationToken)
    {
        var trust = new TlsTrust(meshAnchors);

        // A handler per probe: every check opens a fresh connection (a pooled one could hide a server that just
        // died) and the TLS verdict of this probe cannot mix with another's.
        using var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = true,
            MaxAutomaticRedirections = MaxRedirects,

            // A health check asks "can I reach it from here", not through whatever proxy the environment names.
            UseProxy = false,
            UseCookies = false,
            PooledConnectionLifetime = TimeSpan.Zero,
            SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = trust.Validate },
        };
        using var client = new HttpClient(handler) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
        using var request = new HttpRequestMessage(HttpMethod.Get, check.Target);
        request.Headers.UserAgent.ParseAdd("koi-health/1");
        try
        {
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            var code = (int)response.StatusCode;
            var label = code.ToString(CultureInfo.InvariantCulture);
            return code is >= 200 and < 300
                ? new ProbeResult(true, label)
                : new ProbeResult(false, label, $"HTTP {code} {response.ReasonPhrase}".TrimEnd());
        }
        catch (HttpRequestException ex) when (ex.HttpRequestError == HttpRequestError.SecureConnectionError || trust.Problem is not null)
        {
            return new ProbeResult(false, "tls", trust.Problem ?? ex.Message);
        }
        catch (HttpRequestException ex) when (FindSocketException(ex) is { } socket)
        {
            var (label, detail) = SocketFailure.Describe(socket);
            return new ProbeResult(false, label, detail);
        }
        catch (HttpRequestException ex)
        {
            return new ProbeResult(false, "error", ex.Message);
        }
    }

    private static SocketException? FindSocketException(Exception ex)
    {
        for (var inner = ex.InnerException; inner is not null; inner = inner.InnerException)
        {
            if (inner is SocketException socket)
            {
                return socket;
            }
        }

        return null;
    }
}
