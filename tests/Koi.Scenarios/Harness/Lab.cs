using System.Globalization;

namespace Koi.Scenarios.Harness;

/// <summary>
/// One running lab (scripts/lab): hosts that are network, UTS and mount namespaces on a private bridge.
/// Disposing takes it down and collects its processes, unless it failed and KOI_LAB_KEEP=1.
/// </summary>
internal sealed class Lab : IAsyncDisposable
{
    public const string KeepVariable = "KOI_LAB_KEEP";

    private static readonly TimeSpan s_shapeTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan s_defaultRunTimeout = TimeSpan.FromSeconds(30);
    private static int s_labsStarted;

    private readonly Dictionary<string, string> _addresses = [];
    private readonly List<LabProcess> _started = [];
    private readonly Lock _startedLock = new();
    private bool _failed;
    private bool _disposed;

    private Lab(string name) => Name = name;

    public string Name { get; }

    public string Directory => Path.Combine(RepoPaths.LabRoot, "koilab-" + Name);

    public string LogsDirectory => Path.Combine(Directory, "logs");

    public IReadOnlyCollection<string> Hosts => _addresses.Keys;

    /// <summary>Every background process this lab started, in order (finished ones included).</summary>
    public IReadOnlyList<LabProcess> Started
    {
        get
        {
            lock (_startedLock)
            {
                return [.. _started];
            }
        }
    }

    public static bool KeepRequested => Environment.GetEnvironmentVariable(KeepVariable) == "1";

    /// <summary>Starts a lab with hosts stone-a, stone-b, … named after the scenario and this process.</summary>
    public static async Task<Lab> UpAsync(string scenario, int stones, CancellationToken ct)
    {
        var name = $"{scenario}-{Environment.ProcessId}-{Interlocked.Increment(ref s_labsStarted)}";
        OrphanReaper.BecomeSubreaper();
        (await LabScript.RunAsync(["gc"], s_shapeTimeout, ct)).EnsureSuccess();

        var lab = new Lab(name);
        try
        {
            await lab.ScriptAsync(["up", stones.ToString(CultureInfo.InvariantCulture), "--owner", Environment.ProcessId.ToString(CultureInfo.InvariantCulture)], ct);
            await lab.RefreshHostsAsync(ct);
            return lab;
        }
        catch (Exception failure)
        {
            await lab.DisposeAfterFailureAsync(failure);
            throw;
        }
    }

    public string AddressOf(string host) =>
        _addresses.TryGetValue(host, out var address) ? address : throw new LabException($"No host {host} in lab {Name}.");

    public async Task AddHostAsync(string host, CancellationToken ct)
    {
        await ScriptAsync(["add", host], ct);
        await RefreshHostsAsync(ct);
    }

    public Task<LabCommandResult> RunAsync(string host, IReadOnlyList<string> command, CancellationToken ct) =>
        RunAsync(host, command, s_defaultRunTimeout, ct);

    /// <summary>Runs a command on a host; a command still running at the timeout is killed (exit 124).</summary>
    public Task<LabCommandResult> RunAsync(string host, IReadOnlyList<string> command, TimeSpan timeout, CancellationToken ct)
    {
        var seconds = timeout.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture);
        return LabScript.RunAsync(
            ["--name", Name, "run", host, "--timeout", seconds, "--", .. command],
            timeout + TimeSpan.FromSeconds(10),
            ct);
    }

    /// <summary>Polls a command on a host until it succeeds, and returns that successful result.</summary>
    public async Task<LabCommandResult> RunUntilSuccessAsync(string host, IReadOnlyList<string> command, TimeSpan timeout, CancellationToken ct)
    {
        LabCommandResult? last = null;
        try
        {
            await Poll.UntilAsync(
                async () => (last = await RunAsync(host, command, TimeSpan.FromSeconds(10), ct)).Succeeded,
                timeout,
                $"`{string.Join(' ', command)}` to succeed on {host}",
                ct);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}\nLast attempt: {last}", e);
        }

        return last!;
    }

    public async Task<LabProcess> StartBackgroundAsync(string host, string name, IReadOnlyList<string> command, CancellationToken ct)
    {
        var result = await ScriptAsync(["bg", host, name, "--", .. command], ct);
        var process = new LabProcess(host, name, int.Parse(result.Stdout.Trim(), CultureInfo.InvariantCulture), Path.Combine(LogsDirectory, host, name + ".log"));
        lock (_startedLock)
        {
            _started.Add(process);
        }

        return process;
    }

    public async Task StopAsync(LabProcess process, CancellationToken ct)
    {
        await ScriptAsync(["stop", process.Host, process.Name], ct);
        await OrphanReaper.ReapAsync([process.Pid], TimeSpan.FromSeconds(2));
    }

    /// <summary>A private D-Bus and avahi-daemon on the host: an mDNS peer koi must interoperate with.</summary>
    public Task StartAvahiAsync(string host, CancellationToken ct) => ScriptAsync(["avahi", host], ct);

    /// <summary>dnsmasq as a fake upstream resolver (tests/lab/dnsmasq-upstream.conf) on the host.</summary>
    public Task StartDnsmasqAsync(string host, CancellationToken ct) => ScriptAsync(["dnsmasq", host], ct);

    /// <summary>Drops that percentage of the packets leaving the host; 0 removes the loss.</summary>
    public Task SetPacketLossAsync(string host, int percent, CancellationToken ct) =>
        ScriptAsync(["loss", host, percent.ToString(CultureInfo.InvariantCulture)], ct);

    public LabFootprint CaptureFootprint()
    {
        lock (_startedLock)
        {
            return LabFootprint.Capture(Name, Directory, _started.Select(p => p.Pid));
        }
    }

    /// <summary>With KOI_LAB_KEEP=1 a lab whose scenario failed stays up for inspection.</summary>
    public void MarkFailed() => _failed = true;

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_failed && KeepRequested)
        {
            Keep();
            return;
        }

        var footprint = CaptureFootprint();
        await ScriptAsync(["down"], CancellationToken.None);
        await OrphanReaper.ReapAsync(footprint.Pids, TimeSpan.FromSeconds(5));
    }

    /// <summary>Disposes a lab whose building failed, without hiding that failure behind a teardown error.</summary>
    public async Task DisposeAfterFailureAsync(Exception failure)
    {
        MarkFailed();
        try
        {
            await DisposeAsync();
        }
        catch (Exception teardown) when (teardown is LabException or TimeoutException)
        {
            // The failure to come up is the one to report; the teardown problem rides along.
            failure.Data["LabTeardown"] = teardown.Message;
        }
    }

    private void Keep()
    {
        // Without an owner, gc leaves the lab alone.
        var owner = new FileInfo(Path.Combine(Directory, "owner"));
        if (owner.Exists)
        {
            owner.Delete();
        }

        var message = $"{KeepVariable}=1: lab '{Name}' kept up. Inspect: scripts/lab --name {Name} shell HOST; " +
            $"logs in {LogsDirectory}; remove: scripts/lab --name {Name} down";
        Console.Error.WriteLine(message);
        TestContext.Current.SendDiagnosticMessage(message);
    }

    private async Task RefreshHostsAsync(CancellationToken ct)
    {
        var result = await ScriptAsync(["hosts"], ct);
        _addresses.Clear();
        foreach (var line in result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var fields = line.Split('\t');
            _addresses[fields[0]] = fields[1];
        }
    }

    private async Task<LabCommandResult> ScriptAsync(IReadOnlyList<string> arguments, CancellationToken ct) =>
        (await LabScript.RunAsync(["--name", Name, .. arguments], s_shapeTimeout, ct)).EnsureSuccess();
}
