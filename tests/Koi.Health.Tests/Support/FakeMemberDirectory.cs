using Koi.Core.Naming;

namespace Koi.Health.Tests.Support;

internal sealed class FakeMemberDirectory(params string[] hostnames) : IMemberDirectory
{
    public string? ScopeDomain => null;

    public IReadOnlyList<MeshMember> Members() => [.. hostnames.Select(h => new MeshMember(h, [], []))];

    public event EventHandler? Changed
    {
        add { }
        remove { }
    }
}
