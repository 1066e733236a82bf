namespace Koi.Core.Trust;

/// <summary>The mesh trust of a daemon without certmesh: no root, so a members-only listener admits nobody.</summary>
public sealed class EmptyMeshClientTrust : IMeshClientTrust
{
    public MeshClientTrust Current => MeshClientTrust.None;
}
