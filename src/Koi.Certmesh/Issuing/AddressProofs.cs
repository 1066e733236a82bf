using System.Collections.Concurrent;
using System.Net;
using Koi.Certmesh.Enrollment;

namespace Koi.Certmesh.Issuing;

/// <summary>
/// Addresses members proved they hold: a mesh-plane request (mTLS, so the member is known) that arrived from that
/// address. A member proves each of its addresses just before it renews; the renewal then certifies the proven ones
/// (docs/certmesh.md "Addresses"). In memory only: a proof is good for <see cref="Lifetime"/>.
/// </summary>
internal sealed class AddressProofs(TimeProvider time)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);

    /// <summary>At most this many proven addresses per member are kept; the oldest goes first.</summary>
    public const int MaxPerMember = 16;

    private readonly ConcurrentDictionary<string, Dictionary<IPAddress, DateTimeOffset>> _proofs = new(StringComparer.OrdinalIgnoreCase);

    public void Record(string hostname, IPAddress source)
    {
        var address = JoinAddresses.Normalize(source);
        var proofs = _proofs.GetOrAdd(hostname, _ => []);
        lock (proofs)
        {
            proofs[address] = time.GetUtcNow();
            while (proofs.Count > MaxPerMember)
            {
                proofs.Remove(proofs.MinBy(p => p.Value).Key);
            }
        }
    }

    /// <summary>True when <paramref name="hostname"/> proved <paramref name="address"/> within <see cref="Lifetime"/>.</summary>
    public bool Proven(string hostname, IPAddress address)
    {
        if (!_proofs.TryGetValue(hostname, out var proofs))
        {
            return false;
        }

        lock (proofs)
        {
            return proofs.TryGetValue(JoinAddresses.Normalize(address), out var at) && time.GetUtcNow() - at <= Lifetime;
        }
    }
}
