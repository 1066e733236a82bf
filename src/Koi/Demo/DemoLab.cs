using System.Diagnostics;
using System.Globalization;
using System.Runtime.Versioning;

namespace Koi.Demo;

/// <summary>
/// A throwaway LAN for <c>koi demo</c>: one network namespace per machine, joined by veth pairs to a bridge that lives in
/// a namespace of its own, as the test lab builds it (docs/testing.md "How the lab works"). Nothing is created in the
/// machine's own network namespace; each machine also gets its own UTS namespace so its host name is its own.
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed class DemoLab : IAsyncDisposable
{
    private const string Subnet = "10.78.0";
    private static readonly TimeSpan s_commandTimeout = TimeSpan.FromSeconds(60);

    private readonly List<string> _namespaces = [];
    private readonly List<Process> _background = [];
    private readonly TextWriter _log;

    private DemoLab(string prefix, string directory, TextWriter log)
    {
        Prefix = prefix;
        Directory = directory;
        _log = log;
    }

    /// <summary>Every namespace of this lab starts with it (<c>koidemo-PID</c>): unique per run, easy to find.</summary>
    public string Prefix { get; }

    /// <summary>The lab's private temp directory (data dirs, logs, the backend's page).</summary>
    public string Directory { get; }

    public IReadOnlyList<string> Namespaces => _namespaces;

    public static string PrefixFor(int pid) => $"koidemo-{pid.ToString(CultureInfo.InvariantCulture)}";

    public static DemoLab Create(TextWriter log)
    {
        var prefix = PrefixFor(Environment.ProcessId);
        var directory = Path.Combine(Path.GetTempPath(), prefix);
        System.IO.Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return new DemoLab(prefix, directory, log);
    }

    public string SwitchNamespace => $"{Prefix}-switch";

    public string NamespaceOf(DemoHost host) => $"{Prefix}-{host.Name}";

    public static string AddressOf(int index) => $"{Subnet}.{(10 + index).ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The switch: a bridge with multicast snooping off, so mDNS reaches every port.</summary>
    public async Task AddSwitchAsync(CancellationToken ct)
    {
        _namespaces.Add(SwitchNamespace);
        await MustAsync(["ip", "netns", "add", SwitchNamespace], ct);
        await MustAsync(["ip", "-n", SwitchNamespace, "link", "add", "br0", "type", "bridge", "mcast_snooping", "0"], ct);
        await MustAsync(["ip", "-n", SwitchNamespace, "link", "set", "br0", "up"], ct);
    }

    public async Task<DemoHost> AddHostAsync(string name, int index, CancellationToken ct)
    {
        var host = new DemoHost(name, AddressOf(index), Path.Combine(Directory, name));
        var ns = NamespaceOf(host);
        var port = $"port{index.ToString(CultureInfo.InvariantCulture)}";
        _namespaces.Add(ns); // recorded before it exists, so teardown covers a half-built host
        await MustAsync(["ip", "netns", "add", ns], ct);
        await MustAsync(["ip", "-n", ns, "link", "set", "lo", "up"], ct);
        await MustAsync(["ip", "-n", SwitchNamespace, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", ns], ct);
        await MustAsync(["ip", "-n", SwitchNamespace, "link", "set", port, "master", "br0", "up"], ct);
        await MustAsync(["ip", "-n", ns, "addr", "add", host.Address + "/24", "dev", "eth0"], ct);
        await MustAsync(["ip", "-n", ns, "link", "set", "eth0", "up"], ct);
        // Without a multicast route, sends to 224.0.0.251 fail with "Network is unreachable" (docs/testing.md).
        await MustAsync(["ip", "-n", ns, "route", "add", "224.0.0.0/4", "dev", "eth0"], ct);
        System.IO.Directory.CreateDirectory(host.DataDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return host;
    }

    /// <summary>Runs a command "on" the host: in its network namespace, under its own host name, with its data dir.</summary>
    public Task<DemoResult> RunAsync(DemoHost host, IReadOnlyList<string> command, CancellationToken ct) =>
        RunProcessAsync(OnHost(host, command, log: null), host, ct);

    /// <summary>Starts a long-running command on the host; its output goes to <c>NAME.log</c> in the host's directory.</summary>
    public Process StartBackground(DemoHost host, string name, IReadOnlyList<string> command)
    {
        var log = Path.Combine(Directory, $"{host.Name}-{name}.log");
        var process = Process.Start(StartInfo(OnHost(host, command, log), host))
            ?? throw new DemoFailure($"could not start {name} on {host.Name}");
        _background.Add(process);
        return process;
    }

    public string LogTail(DemoHost host, string name)
    {
        var log = Path.Combine(Directory, $"{host.Name}-{name}.log");
        return File.Exists(log) ? string.Join('\n', File.ReadLines(log).TakeLast(15)) : "(no log)";
    }

    /// <summary>
    /// Kills what the lab started (by pid, then anything else still inside its namespaces), deletes the namespaces and
    /// the temp directory. Runs on success, failure and Ctrl+C alike; every step goes on when one fails.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var process in _background)
        {
            try
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                    await process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token);
                }
            }
            catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception or OperationCanceledException)
            {
                _log.WriteLine($"demo: teardown: process {process.Id}: {ex.Message}");
            }
            finally
            {
                process.Dispose();
            }
        }

        foreach (var ns in Enumerable.Reverse(_namespaces))
        {
            await KillInsideAsync(ns);
            var deleted = await RunProcessAsync(["ip", "netns", "del", ns], host: null, CancellationToken.None);
            if (!deleted.Succeeded && !deleted.Stderr.Contains("No such file", StringComparison.Ordinal))
            {
                _log.WriteLine($"demo: teardown: ip netns del {ns}: {deleted.Stderr.Trim()}");
            }
        }

        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException ex)
        {
            _log.WriteLine($"demo: teardown: {Directory}: {ex.Message}");
        }
    }

    /// <summary>Anything left inside a namespace (a child that outlived its parent) is killed before the namespace goes.</summary>
    private static async Task KillInsideAsync(string ns)
    {
        var pids = await RunProcessAsync(["ip", "netns", "pids", ns], host: null, CancellationToken.None);
        foreach (var line in pids.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (int.TryParse(line, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && pid != Environment.ProcessId)
            {
                try
                {
                    using var process = Process.GetProcessById(pid);
                    process.Kill(entireProcessTree: true);
                }
                catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
                {
                    // Already gone.
                }
            }
        }
    }

    private static async Task MustAsync(IReadOnlyList<string> command, CancellationToken ct)
    {
        var result = await RunProcessAsync(command, host: null, ct);
        if (!result.Succeeded)
        {
            throw new DemoFailure($"{string.Join(' ', command)}: {result.Stderr.Trim()}");
        }
    }

    /// <summary>
    /// nsenter joins the host's network namespace; unshare gives it a UTS namespace in which <c>hostname</c> is the
    /// host's name. Both exec (no fork), so the pid koi sees is the pid of the command itself.
    /// </summary>
    private string[] OnHost(DemoHost host, IReadOnlyList<string> command, string? log)
    {
        var script = log is null
            ? "hostname \"$1\" && shift && exec \"$@\""
            : "hostname \"$1\" && shift && exec \"$@\" >>\"$KOI_DEMO_LOG\" 2>&1 </dev/null";
        string[] prefix = ["nsenter", $"--net=/run/netns/{NamespaceOf(host)}", "unshare", "--uts", "sh", "-c", script, "sh", host.Name];
        var argv = prefix.Concat(command).ToArray();
        if (log is not null)
        {
            host.Environment["KOI_DEMO_LOG"] = log;
        }

        return argv;
    }

    private static ProcessStartInfo StartInfo(IReadOnlyList<string> argv, DemoHost? host)
    {
        var info = new ProcessStartInfo(argv[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in argv.Skip(1))
        {
            info.ArgumentList.Add(argument);
        }

        if (host is not null)
        {
            foreach (var (key, value) in host.Environment)
            {
                info.Environment[key] = value;
            }
        }

        return info;
    }

    private static async Task<DemoResult> RunProcessAsync(IReadOnlyList<string> argv, DemoHost? host, CancellationToken ct)
    {
        using var process = Process.Start(StartInfo(argv, host)) ?? throw new DemoFailure($"could not start {argv[0]}");
        process.StandardInput.Close();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(s_commandTimeout);
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
            return new DemoResult(process.ExitCode, await stdout, await stderr);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            if (ct.IsCancellationRequested)
            {
                throw;
            }

            throw new DemoFailure($"{string.Join(' ', argv.TakeLast(4))} did not finish within {s_commandTimeout.TotalSeconds:0} s");
        }
    }
}

/// <summary>One machine of the demo lab.</summary>
internal sealed record DemoHost(string Name, string Address, string DataDir)
{
    /// <summary>What every command on this host runs with: its own data dir, its own name, the machine's trust stores left alone.</summary>
    public Dictionary<string, string> Environment { get; } = new(StringComparer.Ordinal)
    {
        ["KOI_DATA_DIR"] = DataDir,
        ["KOI_HOSTNAME"] = Name,
        // The demo hosts share the machine's /etc and /usr/local: joining must not put the demo CA into its trust store.
        ["KOI_CERTMESH_NO_TRUST_STORES"] = "1",
    };
}

internal sealed record DemoResult(int ExitCode, string Stdout, string Stderr)
{
    public bool Succeeded => ExitCode == 0;
}

/// <summary>A demo step that did not go as the story says; its message is what the operator reads.</summary>
internal sealed class DemoFailure(string message) : Exception(message);
