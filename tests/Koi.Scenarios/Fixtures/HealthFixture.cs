using Koi.Scenarios.Harness;

namespace Koi.Scenarios.Fixtures;

/// <summary>
/// stone-a watches; stone-b serves: koi daemons on both, python http.server on stone-b (8080 for HTTP checks, 9090
/// for a TCP check that nftables will drop). Python servers are started by the tests that stop them.
/// </summary>
public sealed class HealthFixture : LabFixture
{
    public const string Watcher = "stone-a";
    public const string Target = "stone-b";

    protected override string Scenario => "health";

    protected override int Stones => 2;

    private protected override async Task BuildAsync(Lab lab, CancellationToken ct)
    {
        await Task.WhenAll(KoiDaemon.StartAsync(lab, Watcher, ct), KoiDaemon.StartAsync(lab, Target, ct));
    }
}
