using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace Koi.Testing;

/// <summary>The outcome of one finished koi process.</summary>
public sealed record KoiRun(int ExitCode, string Stdout, string Stderr);

/// <summary>Runs the real <c>koi</c> executable as a child process, the way a user or a script would.</summary>
public sealed partial class KoiProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();

    private KoiProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => Append(_stdout, e.Data);
        _process.ErrorDataReceived += (_, e) => Append(_stderr, e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>The koi built next to the test assembly (a project reference copies its app host there).</summary>
    public static string BuiltBinary => Path.Combine(AppContext.BaseDirectory, "koi");

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public string Stdout
    {
        get
        {
            lock (_stdout)
            {
                return _stdout.ToString();
            }
        }
    }

    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    public static KoiProcess Start(string binary, IEnumerable<string> args, IReadOnlyDictionary<string, string?>? env = null, bool redirectStdin = false)
    {
        var info = new ProcessStartInfo(binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = redirectStdin,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        // A test never inherits the developer's own daemon settings.
        foreach (var name in new[] { "KOI_ENDPOINT", "KOI_TOKEN", "KOI_DATA_DIR", "KOI_LOG" })
        {
            info.Environment.Remove(name);
        }

        info.Environment["NO_COLOR"] = "1";

        // Tests run as root on a developer's machine: a CA created by a test must never land in its trust stores.
        info.Environment["KOI_CERTMESH_NO_TRUST_STORES"] = "1";
        foreach (var (key, value) in env ?? new Dictionary<string, string?>())
        {
            info.Environment[key] = value;
        }

        return new KoiProcess(Process.Start(info) ?? throw new InvalidOperationException($"could not start {binary}"));
    }

    /// <summary>Runs to completion (bounded) and returns exit code and output.</summary>
    public static async Task<KoiRun> RunAsync(string binary, IEnumerable<string> args, IReadOnlyDictionary<string, string?>? env = null, TimeSpan? timeout = null)
    {
        await using var process = Start(binary, args, env);
        var code = await process.WaitForExitAsync(timeout ?? TimeSpan.FromSeconds(30));
        return new KoiRun(code, process.Stdout, process.Stderr);
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"koi did not exit within {timeout}; stderr:\n{Stderr}");
        }

        // The parameterless wait drains the redirected streams, so Stdout is complete afterwards.
        _process.WaitForExit();
        return _process.ExitCode;
    }

    /// <summary>Sends SIGTERM, as systemd or Ctrl+C in a service manager would.</summary>
    public void Terminate() => _ = SysKill(_process.Id, 15);

    /// <summary>A port no socket holds on any address, for a server the test starts on it (<see cref="TestPorts"/>).</summary>
    public static int FreeTcpPort() => TestPorts.Tcp();

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private static void Append(StringBuilder sink, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (sink)
        {
            sink.AppendLine(line);
        }
    }

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int SysKill(int pid, int signal);
}
