using System.Runtime.CompilerServices;

namespace Koi.Core.Discovery;

/// <summary>The directory of a daemon without mDNS: knows no services, and a watch just waits to be cancelled.</summary>
public sealed class EmptyServiceDirectory : IServiceDirectory
{
    public IReadOnlyList<DiscoveredService> Services(string? serviceType = null) => [];

    public DiscoveredService? Find(string fullName) => null;

    public async IAsyncEnumerable<ServiceChange> WatchAsync(string? serviceType, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        catch (OperationCanceledException)
        {
        }

        yield break;
    }
}
