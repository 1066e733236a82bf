using Koi.Core.Naming;

namespace Koi.Proxy.Tests.Support;

/// <summary>Stands where mDNS is in the daemon and fails every announcement, as a stopped mDNS engine would.</summary>
internal sealed class FailingAdvertiser(string reason) : IServiceAdvertiser
{
    public Task<IAsyncDisposable> AdvertiseAsync(AdvertisedService service, CancellationToken cancellationToken) =>
        throw new InvalidOperationException(reason);
}
