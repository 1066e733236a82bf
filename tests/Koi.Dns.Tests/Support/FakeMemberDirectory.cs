using Koi.Core.Naming;

namespace Koi.Dns.Tests.Support;

internal sealed class FakeMemberDirectory : IMemberDirectory
{
    private IReadOnlyList<MeshMember> _members = [];

    public string? ScopeDomain { get; set; }

    public event EventHandler? Changed;

    public IReadOnlyList<MeshMember> Members() => _members;

    public void Set(params MeshMember[] members)
    {
        _members = members;
        Changed?.Invoke(this, EventArgs.Empty);
    }
}
