namespace Koi.Core.Naming;

/// <summary>
/// The certmesh roster as other capabilities read it. Certmesh implements it; DNS turns members and their SANs into
/// names without knowing certmesh exists. <see cref="EmptyMemberDirectory"/> stands in while there is no certmesh.
/// </summary>
public interface IMemberDirectory
{
    /// <summary>The certmesh scope domain (e.g. <c>lincoln-elementary.local</c>), or null when the mesh has none.</summary>
    string? ScopeDomain { get; }

    /// <summary>Every member now, inactive ones included; read from memory.</summary>
    IReadOnlyList<MeshMember> Members();

    /// <summary>Raised after the roster or the scope domain changed. Handlers must be quick and must not throw.</summary>
    event EventHandler? Changed;
}
