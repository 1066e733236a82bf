namespace Koi.Core.Naming;

/// <summary>
/// Announces this machine's services on the LAN. The daemon wires it to mDNS; a capability that offers a service (DNS
/// announces <c>_dns._udp</c>) uses it without knowing mDNS exists. <see cref="NoServiceAdvertiser"/> stands in when
/// mDNS is off.
/// </summary>
public interface IServiceAdvertiser
{
    /// <summary>Starts announcing; disposing the result withdraws the announcement (mDNS goodbye).</summary>
    Task<IAsyncDisposable> AdvertiseAsync(AdvertisedService service, CancellationToken cancellationToken);
}
