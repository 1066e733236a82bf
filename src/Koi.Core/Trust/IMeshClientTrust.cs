namespace Koi.Core.Trust;

/// <summary>
/// Who may connect to a koi listener that only admits mesh members (docs/security.md, "Revocation"): a certificate
/// that chains to the mesh root and whose serial the CA has not revoked. Certmesh implements it from the signed trust
/// bundle and swaps <see cref="Current"/> whenever a newer bundle is applied; listeners read it once per handshake.
/// <see cref="EmptyMeshClientTrust"/> stands in while there is no certmesh, and admits nobody.
/// </summary>
public interface IMeshClientTrust
{
    /// <summary>The trust in force now: immutable, safe to keep for the length of one handshake.</summary>
    MeshClientTrust Current { get; }
}
