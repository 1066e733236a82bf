namespace Koi.Core.Naming;

/// <summary>The advertiser of a daemon without mDNS: announces nothing.</summary>
public sealed class NoServiceAdvertiser : IServiceAdvertiser
{
    public Task<IAsyncDisposable> AdvertiseAsync(AdvertisedService service, CancellationToken cancellationToken) =>
        Task.FromResult<IAsyncDisposable>(Nothing.Instance);

    private sealed class Nothing : IAsyncDisposable
    {
        public static readonly Nothing Instance = new();

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
