using System.Diagnostics;

namespace Koi.Scenarios.Harness;

/// <summary>Bounded waiting: every wait in the scenarios has a deadline and says what it waited for.</summary>
internal static class Poll
{
    private static readonly TimeSpan s_interval = TimeSpan.FromMilliseconds(200);

    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            if (await condition())
            {
                return;
            }

            if (Stopwatch.GetElapsedTime(started) > timeout)
            {
                throw new TimeoutException($"Waited {timeout.TotalSeconds:0}s for {what}.");
            }

            await Task.Delay(s_interval, ct);
        }
    }
}
