using System.Net.Http.Json;
using System.Text.Json;

namespace Koi.Testing;

/// <summary>
/// A real <c>koi daemon</c> process on a free loopback port with its own data dir. mDNS is always off: a daemon in
/// the host's network namespace must never multicast onto a real network.
/// </summary>
public sealed class LocalDaemon : IAsyncDisposable
{
    private readonly TempDirectory? _ownedDataDir;

    private LocalDaemon(KoiProcess process, string dataDir, int port, TempDirectory? owned)
    {
        Process = process;
        DataDir = dataDir;
        Port = port;
        _ownedDataDir = owned;
    }

    public KoiProcess Process { get; }

    public string DataDir { get; }

    public int Port { get; }

    public Uri Endpoint => new($"http://127.0.0.1:{Port}");

    public static async Task<LocalDaemon> StartAsync(string binary, IEnumerable<string>? extraArgs = null, string? dataDir = null, IReadOnlyDictionary<string, string?>? env = null)
    {
        var owned = dataDir is null ? new TempDirectory() : null;
        var dir = dataDir ?? owned!.Path;
        var args = extraArgs?.ToList() ?? [];
        for (var attempt = 1; ; attempt++)
        {
            var port = KoiProcess.FreeTcpPort();
            var process = KoiProcess.Start(binary, ["daemon", "--no-mdns", "--http-bind", "127.0.0.1", "--http-port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--data-dir", dir, .. args], env);
            var daemon = new LocalDaemon(process, dir, port, owned);
            try
            {
                await daemon.WaitHealthyAsync(TimeSpan.FromSeconds(30));
                return daemon;
            }
            catch (InvalidOperationException) when (attempt < 3 && process.HasExited)
            {
                // Waiting for the exit drains its stderr, which says why.
                await process.WaitForExitAsync(TimeSpan.FromSeconds(5));
                if (!LostThePort(process.Stderr, port))
                {
                    await daemon.DisposeAsync();
                    throw;
                }

                // Another program bound the port between its pick and the daemon's bind (TestPorts makes that rare):
                // a start-up problem of the test, not a failure of koi, which said so and exited. Another port.
                await process.DisposeAsync();
            }
            catch
            {
                // A daemon that never became healthy must not outlive the test that started it.
                await daemon.DisposeAsync();
                throw;
            }
        }
    }

    public async Task WaitHealthyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (Process.HasExited)
            {
                throw new InvalidOperationException($"daemon exited early; stderr:\n{Process.Stderr}");
            }

            try
            {
                using var response = await http.GetAsync(new Uri(Endpoint, "/healthz"));
                // The breadcrumb names this process: whatever answers on the port is this daemon, not a stranger.
                if (response.IsSuccessStatusCode && BreadcrumbPid() == Process.Pid)
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet, or too busy to answer within the probe's timeout on a loaded machine.
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"daemon not healthy within {timeout}; stderr:\n{Process.Stderr}");
            }

            await Task.Delay(100);
        }
    }

    // "error: cannot listen on 127.0.0.1:N: Failed to bind to address http://127.0.0.1:N: address already in use."
    private static bool LostThePort(string stderr, int port) =>
        stderr.Contains($"127.0.0.1:{port}", StringComparison.Ordinal)
        && stderr.Contains("address already in use", StringComparison.OrdinalIgnoreCase);

    private int? BreadcrumbPid()
    {
        try
        {
            using var breadcrumb = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(DataDir, "daemon.json")));
            return breadcrumb.RootElement.GetProperty("pid").GetInt32();
        }
        catch (Exception ex) when (ex is IOException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>The daemon's token from its breadcrumb, as the CLI on this machine finds it.</summary>
    public string Token
    {
        get
        {
            using var breadcrumb = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(DataDir, "daemon.json")));
            return breadcrumb.RootElement.GetProperty("token").GetString()!;
        }
    }

    /// <summary>A GET with the daemon token, as every management route needs.</summary>
    public async Task<JsonElement> GetJsonAsync(string path)
    {
        using var http = new HttpClient { BaseAddress = Endpoint, Timeout = TimeSpan.FromSeconds(10) };
        http.DefaultRequestHeaders.Add("x-koi-token", Token);
        return await http.GetFromJsonAsync<JsonElement>(path);
    }

    public async ValueTask DisposeAsync()
    {
        if (!Process.HasExited)
        {
            Process.Terminate();
            try
            {
                await Process.WaitForExitAsync(TimeSpan.FromSeconds(10));
            }
            catch (TimeoutException)
            {
            }
        }

        await Process.DisposeAsync();
        _ownedDataDir?.Dispose();
    }
}
