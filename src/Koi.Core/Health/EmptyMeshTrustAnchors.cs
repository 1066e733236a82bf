using System.Security.Cryptography.X509Certificates;

namespace Koi.Core.Health;

/// <summary>The trust anchors of a daemon without certmesh: none, so only the system store counts.</summary>
public sealed class EmptyMeshTrustAnchors : IMeshTrustAnchors
{
    public IReadOnlyList<X509Certificate2> Current() => [];
}
