using Koi.Scenarios.Fixtures;
using Koi.Scenarios.Harness;

namespace Koi.Scenarios.Scenarios;

/// <summary>Base of scenario classes sharing one lab: a failed scenario marks the lab so KOI_LAB_KEEP=1 keeps it up.</summary>
public abstract class LabScenarios<TFixture>(TFixture fixture) : IClassFixture<TFixture>, IAsyncLifetime
    where TFixture : LabFixture
{
    internal Lab Lab => fixture.Lab;

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync()
    {
        if (TestContext.Current.TestState?.Result == TestResult.Failed)
        {
            fixture.MarkFailed();
        }

        return ValueTask.CompletedTask;
    }
}
