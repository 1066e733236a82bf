namespace Koi.Dns.Tests.Support;

internal static class Poll
{
    /// <summary>Calls <paramref name="probe"/> until <paramref name="done"/> holds, for at most 5 s; returns the last value.</summary>
    public static async Task<T> UntilAsync<T>(Func<Task<T>> probe, Func<T, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (true)
        {
            var value = await probe();
            if (done(value) || DateTime.UtcNow > deadline)
            {
                return value;
            }

            await Task.Delay(20);
        }
    }

    /// <summary>Waits until <paramref name="condition"/> holds; fails the test, naming <paramref name="what"/>, after <paramref name="seconds"/>.</summary>
    public static async Task TrueAsync(Func<bool> condition, string what, double seconds = 5)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"waited {seconds}s for {what}");
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
    }
}
