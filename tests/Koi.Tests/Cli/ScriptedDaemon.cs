using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace Koi.Tests.Cli;

/// <summary>
/// An HTTP server that plays a koi daemon holding <see cref="Token"/>: it proves the token as the real daemon does
/// and answers each path with a canned body, so the CLI can be shown exactly the data a LAN device could plant.
/// </summary>
internal sealed class ScriptedDaemon : IAsyncDisposable
{
    public const string Token = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";

    private readonly HttpListener _listener = new();
    private readonly Task _serving;
    private readonly IReadOnlyDictionary<string, (string ContentType, string Body)> _routes;

    private ScriptedDaemon(int port, IReadOnlyDictionary<string, (string, string)> routes)
    {
        _routes = routes;
        Endpoint = $"http://127.0.0.1:{port}";
        _listener.Prefixes.Add($"{Endpoint}/");
        _listener.Start();
        _serving = Task.Run(ServeAsync);
    }

    public string Endpoint { get; }

    public static ScriptedDaemon Start(IReadOnlyDictionary<string, (string, string)> routes) => new(KoiProcess.FreeTcpPort(), routes);

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        await _serving;
        _listener.Close();
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
            {
                return;
            }

            var path = context.Request.Url!.AbsolutePath;
            var (type, body, status) = path == "/proof"
                ? ("application/json", $$"""{"proof":"{{Proof(context.Request.QueryString["nonce"] ?? "")}}"}""", 200)
                : _routes.TryGetValue(path, out var route) && context.Request.Headers["x-koi-token"] == Token
                    ? (route.ContentType, route.Body, 200)
                    : ("application/json", """{"error":"not_found","message":"no route"}""", 404);
            context.Response.StatusCode = status;
            context.Response.ContentType = type;
            var bytes = Encoding.UTF8.GetBytes(body);
            try
            {
                await context.Response.OutputStream.WriteAsync(bytes);
                context.Response.Close();
            }
            catch (HttpListenerException)
            {
                // The CLI closed its end first (a stream it stopped reading).
            }
        }
    }

    // The daemon's proof as docs/security.md states it: HMAC-SHA256 keyed with the token over the label and nonce.
    private static string Proof(string nonce) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Token), Encoding.UTF8.GetBytes("koi daemon proof v1\n" + nonce)));
}
