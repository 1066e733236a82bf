namespace Koi.Proxy.Tests.Support;

/// <summary>Bounded waiting on real sockets: every wait has a deadline and says what it waited for.</summary>
internal static class Eventually
{
    public static async Task TrueAsync(Func<bool> condition, string what, double seconds = 10)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"waited {seconds}s for {what}");
            }

            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
    }
}
