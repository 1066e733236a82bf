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
}
