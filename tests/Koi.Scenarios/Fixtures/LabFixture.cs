using Koi.Scenarios.Harness;

namespace Koi.Scenarios.Fixtures;

/// <summary>
/// A lab shared by the scenarios of one test class. Built once per class, so independent classes
/// build their labs (each with a unique name) in parallel.
/// </summary>
public abstract class LabFixture : IAsyncLifetime
{
    private Lab? _lab;

    /// <summary>Skips the calling scenario when the lab cannot exist here (not root, not Linux).</summary>
    internal Lab Lab
    {
        get
        {
            LabRequirements.SkipUnlessAvailable();
            return _lab ?? throw new InvalidOperationException("The lab fixture was not initialised.");
        }
    }

    protected abstract string Scenario { get; }

    protected abstract int Stones { get; }

    public async ValueTask InitializeAsync()
    {
        if (LabRequirements.MissingReason is not null)
        {
            return;
        }

        var ct = TestContext.Current.CancellationToken;
        _lab = await Lab.UpAsync(Scenario, Stones, ct);
        try
        {
            await BuildAsync(_lab, ct);
        }
        catch (Exception failure)
        {
            await _lab.DisposeAfterFailureAsync(failure);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_lab is not null)
        {
            await _lab.DisposeAsync();
        }
    }

    /// <summary>A scenario on this lab failed: with KOI_LAB_KEEP=1 the lab stays up after the class.</summary>
    internal void MarkFailed() => _lab?.MarkFailed();

    private protected abstract Task BuildAsync(Lab lab, CancellationToken ct);
}
