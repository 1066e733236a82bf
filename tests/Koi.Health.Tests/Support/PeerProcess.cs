using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace Koi.Health.Tests.Support;

/// <summary>
/// A real third-party server (python http.server, openssl s_server) on loopback, started by the test and killed by
/// its own pid, never by name.
/// </summary>
internal sealed class PeerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private PeerProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static bool Exists(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':').Any(dir => File.Exists(Path.Combine(dir, tool)));

    /// <summary>Starts <paramref name="tool"/> and waits (bounded) until it accepts connections on 127.0.0.1:<paramref name="port"/>.</summary>
    public static async Task<PeerProcess> StartAsync(string tool, IEnumerable<string> args, int port, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(tool)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        var peer = new PeerProcess(Process.Start(info) ?? throw new InvalidOperationException($"could not start {tool}"));
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!await AcceptsAsync(port))
        {
            if (peer._process.HasExited || DateTime.UtcNow > deadline)
            {
                var output = peer.Output;
                await peer.DisposeAsync();
                throw new InvalidOperationException($"{tool} did not listen on 127.0.0.1:{port}; output:\n{output}");
            }

            await Task.Delay(50);
        }

        return peer;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private static async Task<bool> AcceptsAsync(int port)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cts.Token);
            return true;
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            return false;
        }
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }
}
