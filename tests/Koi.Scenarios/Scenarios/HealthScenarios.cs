using System.Text.Json;
using Koi.Scenarios.Fixtures;
using Koi.Scenarios.Harness;

namespace Koi.Scenarios.Scenarios;

/// <summary>koi health across hosts: real HTTP and TCP targets, nftables drops, the transitions log and the live view.</summary>
public sealed class HealthScenarios(HealthFixture fixture) : LabScenarios<HealthFixture>(fixture)
{
    private const string Watcher = HealthFixture.Watcher;
    private const string Target = HealthFixture.Target;

    [Fact(Timeout = 120_000)]
    public async Task HttpCheck_TargetStopsAndReturns_OneLogLinePerTransition()
    {
        var server = await StartHttpServerAsync("web-8080", 8080);
        (await Cli("health", "add", "web", "--http", $"http://{Lab.AddressOf(Target)}:8080/", "--interval", "2s", "--timeout", "1s")).EnsureSuccess();
        await WaitForServiceAsync("web", "up", TimeSpan.FromSeconds(15));

        await Lab.StopAsync(server, Ct);
        var stopped = DateTime.UtcNow;
        await WaitForServiceAsync("web", "down", TimeSpan.FromSeconds(15));
        var detected = DateTime.UtcNow - stopped;
        await Task.Delay(TimeSpan.FromSeconds(6), Ct); // three more failed checks must not add lines

        await StartHttpServerAsync("web-8080-again", 8080);
        await WaitForServiceAsync("web", "up", TimeSpan.FromSeconds(15));

        // Interval (2 s) + timeout (1 s), plus jitter and a poll's slack.
        Assert.True(detected < TimeSpan.FromSeconds(5), $"down after {detected.TotalSeconds:0.0} s");
        var lines = (await Lab.RunAsync(Watcher, ["cat", $"{KoiDaemon.DataDir}/logs/health.log"], Ct)).EnsureSuccess().Stdout
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => l.Contains("| web", StringComparison.Ordinal))
            .ToList();
        Assert.Equal(2, lines.Count);
        Assert.Matches(@"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \| web .*\| 200 → ", lines[0]);
        Assert.Matches(@"→ 200 \|", lines[1]);
    }

    [Fact(Timeout = 120_000)]
    public async Task TcpCheck_PortDroppedByNftables_DownByTimeout()
    {
        await StartHttpServerAsync("tcp-9090", 9090);
        (await Cli("health", "add", "db", "--tcp", $"{Lab.AddressOf(Target)}:9090", "--interval", "2s", "--timeout", "1s")).EnsureSuccess();
        await WaitForServiceAsync("db", "up", TimeSpan.FromSeconds(15));

        (await Lab.RunAsync(Target, ["nft", "add table inet koihealth; add chain inet koihealth in { type filter hook input priority 0; }; add rule inet koihealth in tcp dport 9090 drop"], Ct)).EnsureSuccess();
        try
        {
            var down = await WaitForServiceAsync("db", "down", TimeSpan.FromSeconds(15));
            Assert.Equal("timeout", down.GetProperty("label").GetString());
        }
        finally
        {
            await Lab.RunAsync(Target, ["nft", "delete table inet koihealth"], Ct);
        }

        await WaitForServiceAsync("db", "up", TimeSpan.FromSeconds(15));
    }

    [Fact(Timeout = 120_000)]
    public async Task Watch_InTmux_ShowsTheChangeAndExitsOnCtrlC()
    {
        var server = await StartHttpServerAsync("watch-8181", 8181);
        (await Cli("health", "add", "watched", "--http", $"http://{Lab.AddressOf(Target)}:8181/", "--interval", "2s", "--timeout", "1s")).EnsureSuccess();
        await WaitForServiceAsync("watched", "up", TimeSpan.FromSeconds(15));
        var socket = "koi-" + Lab.Name;
        string[] tmux = ["tmux", "-L", socket];
        (await Lab.RunAsync(Watcher, [.. tmux, "new-session", "-d", "-s", "w", "-x", "80", "-y", "24",
            $"env KOI_DATA_DIR={KoiDaemon.DataDir} {KoiDaemon.Binary} health watch; echo exit=$? > /tmp/{socket}.exit; sleep 30"], Ct)).EnsureSuccess();
        try
        {
            await Lab.RunUntilSuccessAsync(Watcher, ["sh", "-c", $"tmux -L {socket} capture-pane -p -t w | grep -q watched"], TimeSpan.FromSeconds(20), Ct);

            await Lab.StopAsync(server, Ct);
            var screen = await Lab.RunUntilSuccessAsync(Watcher, ["sh", "-c", $"tmux -L {socket} capture-pane -p -e -t w | grep watched | grep -v '✓'"], TimeSpan.FromSeconds(20), Ct);
            Assert.Contains("\u001b[", screen.Stdout, StringComparison.Ordinal); // coloured, not plain
            var width = (await Lab.RunAsync(Watcher, [.. tmux, "capture-pane", "-p", "-t", "w"], Ct)).Stdout
                .Split('\n').Max(l => l.TrimEnd().Length);
            Assert.True(width <= 80, $"a line is {width} columns wide");

            (await Lab.RunAsync(Watcher, [.. tmux, "send-keys", "-t", "w", "C-c"], Ct)).EnsureSuccess();
            var exit = await Lab.RunUntilSuccessAsync(Watcher, ["cat", $"/tmp/{socket}.exit"], TimeSpan.FromSeconds(10), Ct);
            Assert.Equal("exit=0", exit.Stdout.Trim());
        }
        finally
        {
            await Lab.RunAsync(Watcher, [.. tmux, "kill-server"], Ct);
            await Lab.RunAsync(Watcher, ["rm", "-f", $"/tmp/{socket}.exit"], Ct);
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task Add_BadInputOrDuplicate_ClearExitCodes()
    {
        Assert.Equal(2, (await Cli("health", "add", "bad", "--http", "not a url")).ExitCode);
        Assert.Equal(2, (await Cli("health", "add", "bad", "--tcp", "10.77.0.12:99999")).ExitCode);
        (await Cli("health", "add", "twice", "--tcp", $"{Lab.AddressOf(Target)}:1", "--interval", "30s")).EnsureSuccess();
        var duplicate = await Cli("health", "add", "twice", "--tcp", $"{Lab.AddressOf(Target)}:1", "--json");
        Assert.Equal(1, duplicate.ExitCode);
        Assert.Equal("conflict", JsonDocument.Parse(duplicate.Stdout).RootElement.GetProperty("error").GetString());
    }

    private Task<LabCommandResult> Cli(params string[] arguments) => KoiDaemon.CliAsync(Lab, Watcher, Ct, arguments);

    private async Task<LabProcess> StartHttpServerAsync(string name, int port)
    {
        var server = await Lab.StartBackgroundAsync(Target, name, ["python3", "-m", "http.server", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", Lab.AddressOf(Target), "--directory", "/tmp"], Ct);
        await Lab.RunUntilSuccessAsync(Watcher, ["curl", "-sf", "-o", "/dev/null", "--max-time", "2", $"http://{Lab.AddressOf(Target)}:{port}/"], TimeSpan.FromSeconds(10), Ct);
        return server;
    }

    private async Task<JsonElement> WaitForServiceAsync(string name, string state, TimeSpan timeout)
    {
        JsonElement found = default;
        await Poll.UntilAsync(
            async () =>
            {
                var status = JsonDocument.Parse((await Cli("health", "status", "--json")).EnsureSuccess().Stdout).RootElement;
                foreach (var service in status.GetProperty("services").EnumerateArray())
                {
                    if (service.GetProperty("name").GetString() == name && service.GetProperty("state").GetString() == state)
                    {
                        found = service.Clone();
                        return true;
                    }
                }

                return false;
            },
            timeout,
            $"health check {name} to be {state}",
            Ct);
        return found;
    }
}
