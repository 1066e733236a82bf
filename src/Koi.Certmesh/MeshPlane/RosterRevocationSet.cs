using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Koi.Certmesh.Roster;

namespace Koi.Certmesh.MeshPlane;

/// <summary>
/// Revocation as the roster records it: every certificate whose fingerprint belongs to a revoked member. The sets
/// are rebuilt only when the roster document changes (a new immutable document), so a handshake costs one hash and
/// one set lookup.
/// </summary>
internal sealed class RosterRevocationSet(RosterStore roster) : IRevocationSet
{
    private Snapshot _cache = new(null, []);

    public bool IsRevoked(X509Certificate2 certificate)
    {
        var current = roster.Current;
        var cache = Volatile.Read(ref _cache);
        if (!ReferenceEquals(cache.Source, current))
        {
            var revoked = current is null ? [] : new HashSet<string>(
                current.Members.Where(m => m.Status == MemberStatus.Revoked).Select(m => m.CertFingerprint),
                StringComparer.OrdinalIgnoreCase);
            cache = new Snapshot(current, revoked);
            Volatile.Write(ref _cache, cache);
        }

        return cache.Fingerprints.Count > 0 && cache.Fingerprints.Contains(Convert.ToHexStringLower(SHA256.HashData(certificate.RawData)));
    }

    private sealed record Snapshot(RosterDocument? Source, HashSet<string> Fingerprints);
}
