using System.Net.NetworkInformation;

namespace Koi.Mdns.Transport;

/// <summary>
/// The system's own reports of network changes, through .NET's <see cref="NetworkChange"/>: on Linux one netlink socket
/// read by one runtime thread, reporting IPv4 addresses added or removed at once, and link and routing-table changes
/// (which an IPv6 address or a link going down or up causes) ~150 ms after a burst. Each report only asks for a look.
/// </summary>
internal sealed class NetworkChangeSubscription : IDisposable
{
    private readonly Action _changed;
    private int _disposed;

    private NetworkChangeSubscription(Action changed) => _changed = changed;

    /// <summary>Subscribes, or returns null with the reason when the platform cannot report changes.</summary>
    public static NetworkChangeSubscription? TryStart(Action changed, out string? problem)
    {
        var subscription = new NetworkChangeSubscription(changed);
        try
        {
            NetworkChange.NetworkAddressChanged += subscription.OnAddressChanged;
            NetworkChange.NetworkAvailabilityChanged += subscription.OnAvailabilityChanged;
            problem = null;
            return subscription;
        }
        catch (Exception ex) when (ex is NetworkInformationException or PlatformNotSupportedException)
        {
            subscription.Dispose();
            problem = $"the system's network change reports are unavailable ({ex.Message})";
            return null;
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            NetworkChange.NetworkAddressChanged -= OnAddressChanged;
            NetworkChange.NetworkAvailabilityChanged -= OnAvailabilityChanged;
        }
    }

    private void OnAddressChanged(object? sender, EventArgs e) => Report();

    private void OnAvailabilityChanged(object? sender, NetworkAvailabilityEventArgs e) => Report();

    private void Report()
    {
        if (Volatile.Read(ref _disposed) == 0)
        {
            _changed();
        }
    }
}
