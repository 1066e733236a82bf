using Koi.Scenarios.Harness;

namespace Koi.Scenarios.Scenarios;

/// <summary>The lab itself: isolation between hosts, command timeouts, and teardown that leaves nothing behind.</summary>
public sealed class LabHarnessScenarios : IAsyncLifetime
{
    private readonly List<Lab> _labs = [];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact(Timeout = 90_000)]
    public async Task Dispose_ScenarioThrows_LeavesNoNamespaceMountOrProcess()
    {
        LabRequirements.SkipUnlessAvailable();
        LabFootprint? footprint = null;

        await Assert.ThrowsAsync<DeliberateScenarioFailure>(async () =>
        {
            await using var lab = await Lab.UpAsync("teardown", 2, Ct);
            await lab.StartAvahiAsync("stone-a", Ct);
            await lab.StartBackgroundAsync("stone-b", "sleepers", ["sh", "-c", "sleep 600 & sleep 600"], Ct);
            await lab.RunAsync("stone-b", ["sh", "-c", "setsid sleep 600 </dev/null >/dev/null 2>&1 &"], Ct);
            footprint = lab.CaptureFootprint();
            throw new DeliberateScenarioFailure();
        });

        Assert.NotNull(footprint);
        Assert.NotEmpty(footprint.NamespaceIds);
        Assert.NotEmpty(footprint.Pids);
        Assert.Empty(footprint.RemainingNetworkNamespaces());
        Assert.Empty(footprint.RemainingMounts());
        Assert.Empty(footprint.RemainingProcesses());
    }

    [Fact(Timeout = 90_000)]
    public async Task HostFiles_WrittenOnOneHost_InvisibleToOtherHostsAndTheMachine()
    {
        var lab = await UpAsync("isolation", 2);
        var probe = $"koilab-probe-{lab.Name}";
        string[] probes =
        [
            $"/usr/local/share/ca-certificates/{probe}.crt",
            $"/etc/ssl/certs/{probe}.pem",
            $"/root/{probe}",
            $"{KoiDaemon.DataDir}/{probe}",
        ];

        (await lab.RunAsync("stone-a", ["sh", "-c", $"mkdir -p {KoiDaemon.DataDir} && touch {string.Join(' ', probes)}"], Ct)).EnsureSuccess();

        foreach (var path in probes)
        {
            (await lab.RunAsync("stone-a", ["test", "-e", path], Ct)).EnsureSuccess();
            Assert.False((await lab.RunAsync("stone-b", ["test", "-e", path], Ct)).Succeeded, $"{path} leaked to stone-b");
            Assert.False(File.Exists(path), $"{path} leaked to the machine");
        }
    }

    [Fact(Timeout = 90_000)]
    public async Task Run_CommandOutlastsTimeout_IsKilledWithExitCode124()
    {
        var lab = await UpAsync("timeout", 1);

        var run = await lab.RunAsync("stone-a", ["sleep", "60"], TimeSpan.FromSeconds(1), Ct);

        Assert.Equal(124, run.ExitCode);
    }

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        var failed = TestContext.Current.TestState?.Result == TestResult.Failed;
        foreach (var lab in _labs)
        {
            if (failed)
            {
                lab.MarkFailed();
            }

            await lab.DisposeAsync();
        }
    }

    /// <summary>A lab for one scenario; torn down after it, or kept if it failed and KOI_LAB_KEEP=1.</summary>
    private async Task<Lab> UpAsync(string scenario, int stones)
    {
        LabRequirements.SkipUnlessAvailable();
        var lab = await Lab.UpAsync(scenario, stones, Ct);
        _labs.Add(lab);
        return lab;
    }

    private sealed class DeliberateScenarioFailure() : Exception("A scenario failed on purpose.");
}
