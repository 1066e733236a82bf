using Koi.Core.Errors;
using Koi.Health.Checks;
using Koi.Health.Probes;
using Koi.Health.Tests.Support;

namespace Koi.Health.Tests.State;

public sealed class PersistenceTests
{
    [Fact]
    public async Task Load_AfterRestart_ChecksAndLastStatesSurvive()
    {
        using var dir = new TempDirectory();
        var time = new ManualTimeProvider();
        await using (var first = new HealthHarness(dir: dir, time: time))
        {
            first.Service.Add(new CheckRequest("grafana", Http: "https://stone-05:3000/health", Interval: "1m", Timeout: "3s"));
            first.Service.Add(new CheckRequest("postgres", Tcp: "stone-05:5432"));
            var grafana = first.Monitor.Checks()[0];
            first.Monitor.ApplyProbe(grafana, new ProbeResult(true, "200"), time.GetUtcNow(), TimeSpan.Zero);
        }

        await using var second = new HealthHarness(dir: dir, time: time);
        Assert.Null(second.Monitor.Load());

        var checks = second.Monitor.Checks();
        Assert.Equal(["grafana", "postgres"], checks.Select(c => c.Name));
        Assert.Equal((CheckKind.Http, "https://stone-05:3000/health", 60.0, 3.0), (checks[0].Kind, checks[0].Target, checks[0].IntervalSecs, checks[0].TimeoutSecs));
        Assert.Equal((CheckKind.Tcp, "stone-05:5432"), (checks[1].Kind, checks[1].Target));
        var grafanaView = second.Service.Status().Services[0];
        Assert.Equal(("up", "200"), (grafanaView.State, grafanaView.Label));
    }

    [Fact]
    public async Task ApplyProbe_AfterRestartSameState_NoLine_ChangedState_OneLine()
    {
        using var dir = new TempDirectory();
        var time = new ManualTimeProvider();
        await using (var first = new HealthHarness(dir: dir, time: time))
        {
            var check = first.AddHttp("api");
            first.Monitor.ApplyProbe(check, new ProbeResult(true, "200"), time.GetUtcNow(), TimeSpan.Zero);
        }

        await using var second = new HealthHarness(dir: dir, time: time);
        second.Monitor.Load();
        var reloaded = second.Monitor.Checks()[0];
        second.Monitor.ApplyProbe(reloaded, new ProbeResult(true, "200"), time.GetUtcNow(), TimeSpan.Zero);
        Assert.Empty(second.LogLines());

        second.Monitor.ApplyProbe(reloaded, new ProbeResult(false, "closed", "connection refused"), time.GetUtcNow(), TimeSpan.Zero);
        Assert.Contains("| 200 → closed ", Assert.Single(second.LogLines()), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Remove_AfterRestart_StaysRemoved()
    {
        using var dir = new TempDirectory();
        await using (var first = new HealthHarness(dir: dir))
        {
            first.AddHttp("a");
            first.AddHttp("b");
            first.Monitor.Remove("a");
        }

        await using var second = new HealthHarness(dir: dir);
        second.Monitor.Load();

        Assert.Equal(["b"], second.Monitor.Checks().Select(c => c.Name));
    }

    [Fact]
    public async Task Load_CorruptFile_ReportsProblemKeepsFileAndRefusesChanges()
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("state", "health.json");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllTextAsync(path, "{ not json", TestContext.Current.CancellationToken);
        await using var h = new HealthHarness(dir: dir);

        h.Service.Start();

        Assert.Equal(Koi.Core.Status.ComponentState.Failed, h.ChecksHealth.Snapshot.State);
        Assert.Contains("health.json", h.ChecksHealth.Snapshot.Reason, StringComparison.Ordinal);
        var ex = Assert.Throws<KoiException>(() => h.Service.Add(new CheckRequest("x", Tcp: "127.0.0.1:1")));
        Assert.Equal(KoiErrorCode.Unavailable, ex.Code);
        Assert.Equal("{ not json", await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Save_File_IsSnakeCaseJson()
    {
        await using var h = new HealthHarness();
        h.Service.Add(new CheckRequest("redis", Tcp: "stone-05:6379"));

        var text = await File.ReadAllTextAsync(h.Store.Path, TestContext.Current.CancellationToken);

        Assert.Contains("\"interval_secs\": 30", text, StringComparison.Ordinal);
        Assert.Contains("\"kind\": \"tcp\"", text, StringComparison.Ordinal);
    }
}
