using Koi.Core.Status;

namespace Koi.Certmesh.Tests.Authority;

/// <summary>A certmesh state the daemon cannot read shows as certmesh failed; it never stops the daemon.</summary>
public sealed class LoadTests
{
    [Fact]
    public async Task Load_CaCertIsADirectory_FailedWithReasonInsteadOfThrowing()
    {
        await using var h = new CertmeshHarness();
        await h.CreateAsync();

        // Reading a directory is refused even for root (UnauthorizedAccessException), like a file koi may not read.
        File.Delete(h.Files.CaCert);
        Directory.CreateDirectory(h.Files.CaCert);
        await h.RestartAsync();

        var components = h.Status.Snapshot("certmesh");
        var authority = components.Single(c => c.Name == "certmesh/authority");
        Assert.Equal(ComponentState.Failed, authority.State);
        Assert.StartsWith("certmesh state cannot be read: ", authority.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(components, c => c.State == ComponentState.Starting);
    }
}
