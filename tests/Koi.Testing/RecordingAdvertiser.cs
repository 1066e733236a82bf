using Koi.Core.Naming;

namespace Koi.Testing;

/// <summary>An <see cref="IServiceAdvertiser"/> that remembers what is announced right now, for capability tests.</summary>
public sealed class RecordingAdvertiser : IServiceAdvertiser
{
    public List<AdvertisedService> Active { get; } = [];

    public Task<IAsyncDisposable> AdvertiseAsync(AdvertisedService service, CancellationToken cancellationToken)
    {
        lock (Active)
        {
            Active.Add(service);
        }

        return Task.FromResult<IAsyncDisposable>(new Withdrawal(this, service));
    }

    private sealed class Withdrawal(RecordingAdvertiser owner, AdvertisedService service) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            lock (owner.Active)
            {
                owner.Active.Remove(service);
            }

            return ValueTask.CompletedTask;
        }
    }
}
