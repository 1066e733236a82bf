namespace Koi.Core.Naming;

/// <summary>The roster of a daemon without certmesh: no members, never changes.</summary>
public sealed class EmptyMemberDirectory : IMemberDirectory
{
    public string? ScopeDomain => null;

    public IReadOnlyList<MeshMember> Members() => [];

    // Never raised: an empty roster does not change.
    public event EventHandler? Changed
    {
        add { }
        remove { }
    }
}
