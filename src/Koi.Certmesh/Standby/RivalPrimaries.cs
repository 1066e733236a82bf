using System.Net.Sockets;
using Koi.Certmesh.Authority;
using Koi.Core.Discovery;

namespace Koi.Certmesh.Standby;

/// <summary>
/// The other CAs of this mesh that announce themselves primary (<c>_certmesh._tcp</c>, TXT <c>role=primary</c> and
/// this mesh's fingerprint) — whoever they are, not only the partner this machine knows. Two standbys that both took
/// over, or two CAs restarted at once, find each other here and settle by <see cref="HaLoop.Outranks"/>
/// (docs/certmesh.md, "Return and tie-break"). An announcement proves nothing: each one is believed only after its
/// signed claim verifies over the mTLS plane (<see cref="PeerProbe"/>).
/// </summary>
internal sealed class RivalPrimaries(IServiceDirectory directory, CertmeshOptions options)
{
    /// <summary>Links to every announced primary of the mesh pinned by <paramref name="fingerprint"/> other than this machine.</summary>
    public IReadOnlyList<PrimaryLink> Find(string myHostname, string fingerprint)
    {
        var mine = options.ResolveAddresses();
        var ownName = CertmeshAnnouncer.InstanceName(myHostname);
        var links = new List<PrimaryLink>();
        foreach (var service in directory.Services(CertmeshAnnouncer.ServiceType))
        {
            if (service.IsStale || !service.IsResolved || service.Txt.GetValueOrDefault("role") != "primary"
                || service.Txt.GetValueOrDefault("fingerprint") != fingerprint
                || string.Equals(service.Name, ownName, StringComparison.OrdinalIgnoreCase)
                || service.Addresses.Count == 0 || service.Addresses.Any(mine.Contains))
            {
                continue;
            }

            var address = service.Addresses[0];

            var host = address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();
            links.Add(new PrimaryLink(myHostname, HostOf(service.Name), $"http://{host}:{service.Port}",
                options.MeshPort > 0 ? options.MeshPort : null, fingerprint));
        }

        return links;
    }

    /// <summary>
    /// Asks the network for <c>_certmesh._tcp</c> for <see cref="PrimaryFinder.BrowseTime"/>: a daemon that just
    /// started has heard no announcement yet, and a look that saw nothing must not count as "no primary".
    /// </summary>
    public async Task BrowseAsync(CancellationToken cancellationToken)
    {
        using var browse = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        browse.CancelAfter(PrimaryFinder.BrowseTime);
        try
        {
            await foreach (var _ in directory.WatchAsync(CertmeshAnnouncer.ServiceType, browse.Token))
            {
                // Every answer lands in the directory, which Find reads.
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The browse time is up.
        }
    }

    private static string HostOf(string instance)
    {
        var space = instance.IndexOf(' ', StringComparison.Ordinal);
        return space > 0 ? instance[..space] : instance;
    }
}
