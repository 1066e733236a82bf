namespace Koi.Health.Tests.Support;

internal static class Eventually
{
    /// <summary>Waits (real time, bounded) for work that runs on the thread pool after the clock moved.</summary>
    public static async Task TrueAsync(Func<bool> condition, string what, double seconds = 10)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out waiting for: {what}");
            }

            await Task.Delay(10, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>Moves a manual clock in small steps until <paramref name="condition"/> holds, so loops that are about to wait are not skipped over.</summary>
    public static async Task AdvanceUntilAsync(ManualTimeProvider time, Func<bool> condition, string what, TimeSpan? step = null, TimeSpan? max = null)
    {
        var stride = step ?? TimeSpan.FromMilliseconds(100);
        var limit = max ?? TimeSpan.FromMinutes(10);
        var moved = TimeSpan.Zero;
        while (!condition())
        {
            if (moved > limit)
            {
                throw new TimeoutException($"clock moved {moved} without: {what}");
            }

            time.Advance(stride);
            moved += stride;
            // Give loops woken by this step time to re-arm before the next one (busy CI machines are slow to schedule).
            await Task.Delay(5, TestContext.Current.CancellationToken);
        }
    }
}
