using System.Net;
using System.Net.Sockets;
using Koi.Certmesh.Authority;
using Koi.Certmesh.Membership;
using Koi.Core.Discovery;
using Koi.Core.Errors;

namespace Koi.Certmesh.Standby;

/// <summary>
/// On a member whose CA stopped answering: looks among the <c>_certmesh._tcp</c> announcements for a primary of the
/// same mesh (TXT fingerprint = the pinned one) at another address, and believes it only after the hello proof
/// (a fresh nonce signed by a key the pinned CA certified). The membership then follows it — this is how members
/// find a standby that took over (docs/certmesh.md, "Failover").
/// </summary>
internal sealed class PrimaryFinder(IServiceDirectory directory, CaClient ca, MembershipStore membership, MemberAuditTrail audit, TimeProvider time)
{
    /// <summary>How long a browse runs when mDNS knows no candidate yet.</summary>
    public static readonly TimeSpan BrowseTime = TimeSpan.FromSeconds(3);

    public async Task<MembershipDocument?> FindAsync(MembershipDocument member, CancellationToken cancellationToken)
    {
        if (!directory.Services(CertmeshAnnouncer.ServiceType).Any(s => Candidate(s, member)))
        {
            await BrowseAsync(member, cancellationToken);
        }

        foreach (var service in directory.Services(CertmeshAnnouncer.ServiceType))
        {
            if (!Candidate(service, member))
            {
                continue;
            }

            foreach (var address in service.Addresses)
            {
                var endpoint = Endpoint(address, service.Port);
                if (string.Equals(CaClient.NormalizeEndpoint(endpoint), CaClient.NormalizeEndpoint(member.CaEndpoint), StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }

                var nonce = HelloVerifier.NewNonce();
                HelloResponse hello;
                try
                {
                    hello = await ca.HelloAsync(endpoint, nonce, cancellationToken);
                }
                catch (KoiException)
                {
                    continue;
                }

                if (CaVerdict.Judge(hello, nonce, member.PinnedCaFingerprint, time.GetUtcNow()).Kind != CaVerdictKind.Verified)
                {
                    continue;
                }

                var moved = membership.Update(m => m with { CaEndpoint = endpoint, CaHostname = hello.Hostname, CaMeshPort = hello.MeshPort });
                audit.Write("ca_moved", ("from", member.CaHostname), ("to", hello.Hostname), ("endpoint", endpoint));
                return moved;
            }
        }

        return null;
    }

    private static bool Candidate(DiscoveredService service, MembershipDocument member) =>
        !service.IsStale && service.IsResolved && service.Txt.GetValueOrDefault("fingerprint") == member.PinnedCaFingerprint
        && service.Txt.GetValueOrDefault("role") == "primary";

    /// <summary>Asks the network (mDNS queries run while the browse lasts) until a candidate shows or the time is up.</summary>
    private async Task BrowseAsync(MembershipDocument member, CancellationToken cancellationToken)
    {
        using var browse = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        browse.CancelAfter(BrowseTime);
        try
        {
            await foreach (var change in directory.WatchAsync(CertmeshAnnouncer.ServiceType, browse.Token))
            {
                if (Candidate(change.Service, member))
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The browse time is up: use what is known.
        }
    }

    private static string Endpoint(IPAddress address, int port) =>
        address.AddressFamily == AddressFamily.InterNetworkV6 ? $"http://[{address}]:{port}" : $"http://{address}:{port}";
}
