using System.Diagnostics;

namespace Koi.Dns.Tests.Support;

/// <summary>
/// A real dnsmasq as the upstream, on its own loopback address and a high port. It answers only the names given with
/// --address/--txt-record and forwards nothing (--no-resolv), so no test query ever reaches the machine's resolver.
/// Stopped by its pid.
/// </summary>
internal sealed class Dnsmasq : IAsyncDisposable
{
    public const string Binary = "/usr/sbin/dnsmasq";

    private readonly Process _process;
    private readonly TempDirectory _dir;
    private bool _disposed;

    private Dnsmasq(Process process, TempDirectory dir, IPEndPoint endpoint)
    {
        _process = process;
        _dir = dir;
        Endpoint = endpoint;
    }

    public IPEndPoint Endpoint { get; }

    public static bool Available => File.Exists(Binary);

    /// <summary>A TXT record long enough that a UDP answer without EDNS is truncated.</summary>
    public static string BigTxtName => "big.upstream.test";

    public static async Task<Dnsmasq> StartAsync(IEnumerable<string>? extraArgs = null, IPAddress? address = null)
    {
        address ??= IPAddress.Parse("127.0.77.1");
        var port = TestPorts.UdpAndTcp(address);
        var dir = new TempDirectory();
        var chunk = new string('x', 200);
        var info = new ProcessStartInfo(Binary)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
        {
            "--keep-in-foreground", "--conf-file=/dev/null", "--no-resolv", "--no-hosts", "--bind-interfaces",
            $"--listen-address={address}", $"--port={port}", $"--pid-file={Path.Combine(dir.Path, "dnsmasq.pid")}",
            "--user=root", "--group=root",
            "--address=/upstream.test/10.77.0.250",
            "--address=/www.upstream.test/10.77.0.251",
            $"--txt-record={BigTxtName},\"{chunk}\",\"{chunk}\",\"{chunk}\"",
        })
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var arg in extraArgs ?? [])
        {
            info.ArgumentList.Add(arg);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("dnsmasq did not start");
        var dnsmasq = new Dnsmasq(process, dir, new IPEndPoint(address, port));
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                var error = await process.StandardError.ReadToEndAsync();
                throw new InvalidOperationException($"dnsmasq exited with {process.ExitCode}: {error}");
            }

            if (await DnsClient.UdpAsync(dnsmasq.Endpoint, Queries.Build("upstream.test", DnsType.A), TimeSpan.FromMilliseconds(200)) is not null)
            {
                return dnsmasq;
            }
        }

        await dnsmasq.DisposeAsync();
        throw new TimeoutException("dnsmasq did not answer within 10 s");
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        _dir.Dispose();
    }
}
