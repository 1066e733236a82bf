using System.Security.Cryptography.X509Certificates;

namespace Koi.Certmesh.MeshPlane;

/// <summary>
/// Which mesh certificates are revoked. Asked on every mTLS handshake, so an answer is a lookup in memory — never
/// file or network I/O.
/// </summary>
internal interface IRevocationSet
{
    bool IsRevoked(X509Certificate2 certificate);
}
