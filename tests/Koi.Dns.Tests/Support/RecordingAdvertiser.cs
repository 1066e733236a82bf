using Koi.Core.Naming;

namespace Koi.Dns.Tests.Support;

internal sealed class RecordingAdvertiser : IServiceAdvertiser
{
    public List<AdvertisedService> Active { get; } = [];

    public Task<IAsyncDisposable> AdvertiseAsync(AdvertisedService service, CancellationToken cancellationToken)
    {
        lock (Active)
        {
            Active.Add(service);
        }

        return Task.FromResult<IAsyncDisposable>(new Withdraw(this, service));
    }

    private sealed class Withdraw(RecordingAdvertiser owner, AdvertisedService service) : IAsyncDisposable
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
