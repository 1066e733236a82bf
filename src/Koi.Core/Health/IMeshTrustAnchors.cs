using System.Security.Cryptography.X509Certificates;

namespace Koi.Core.Health;

/// <summary>
/// The mesh CA certificate(s) an HTTPS client should trust besides the system store, so a certmesh-served service
/// validates even on a machine whose system store does not (yet) hold the mesh root. Certmesh implements it.
/// <see cref="EmptyMeshTrustAnchors"/> stands in while there is no certmesh.
/// </summary>
public interface IMeshTrustAnchors
{
    /// <summary>The current root certificate(s), read when needed: a rotated CA is picked up at the next check.</summary>
    IReadOnlyList<X509Certificate2> Current();
}
