using Koi.Core.Trust;

namespace Koi.Certmesh.Revocation;

/// <summary>The bundle this machine holds: as signed (to serve or re-verify), as read, its CRL and its listener view.</summary>
internal sealed record HeldBundle(SignedTrustBundle Signed, TrustBundle Bundle, byte[] CrlDer, MeshClientTrust Trust)
{
    public bool Revokes(string serialHex)
    {
        foreach (var entry in Bundle.Revoked)
        {
            if (string.Equals(entry.Serial, serialHex, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
