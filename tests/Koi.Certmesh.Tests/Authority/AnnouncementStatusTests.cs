using Koi.Core.Status;

namespace Koi.Certmesh.Tests.Authority;

/// <summary>`koi status` must show a settled announcement state, never a "starting" that never ends.</summary>
public sealed class AnnouncementStatusTests
{
    [Fact]
    public async Task Load_NoCa_AnnouncementSettledAsNotAnnounced()
    {
        await using var h = new CertmeshHarness();

        await h.Authority.LoadAsync(CancellationToken.None);

        var announcement = h.Status.Snapshot("certmesh").Single(c => c.Name == "certmesh/announcement");
        Assert.Equal(ComponentState.Running, announcement.State);
        Assert.Equal("not announced: no CA", announcement.Reason);
    }

    [Fact]
    public async Task Restart_AfterCreate_LockedCaIsNotAnnounced()
    {
        await using var h = new CertmeshHarness();
        await h.CreateAsync();

        await h.RestartAsync();

        var announcement = h.Status.Snapshot("certmesh").Single(c => c.Name == "certmesh/announcement");
        Assert.Equal("not announced: CA locked", announcement.Reason);
        Assert.Empty(h.Advertiser.Active);
    }
}
