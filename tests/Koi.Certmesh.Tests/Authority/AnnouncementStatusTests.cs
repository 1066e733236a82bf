using Koi.Certmesh.Authority;
using Koi.Core.Naming;
using Koi.Core.Status;
using Koi.Testing;
using Microsoft.Extensions.Logging;

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

    [Fact]
    public async Task Announce_AdvertiserFails_FailedAndLoggedOncePerCause()
    {
        var status = new StatusRegistry(TimeProvider.System);
        var logger = new RecordingLogger();
        var advertiser = new FailingAdvertiser { Problem = "mDNS socket closed" };
        await using var announcer = new CertmeshAnnouncer(advertiser, 5641, status.Register("certmesh", "announcement"), logger);
        var ct = TestContext.Current.CancellationToken;

        await announcer.AnnounceAsync("stone-a", "ab12", "just-me", ct);
        await announcer.AnnounceAsync("stone-a", "ab12", "just-me", ct);

        var announcement = status.Snapshot("certmesh").Single(c => c.Name == "certmesh/announcement");
        Assert.Equal(ComponentState.Failed, announcement.State);
        Assert.Contains("mDNS socket closed", announcement.Reason, StringComparison.Ordinal);
        Assert.Single(logger.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains(CertmeshAnnouncer.ServiceType, StringComparison.Ordinal));

        // A different cause is news again.
        advertiser.Problem = "no interface up";
        await announcer.AnnounceAsync("stone-a", "ab12", "just-me", ct);
        Assert.Equal(2, logger.Entries.Count(e => e.Level == LogLevel.Warning));
    }

    private sealed class FailingAdvertiser : IServiceAdvertiser
    {
        public required string Problem { get; set; }

        public Task<IAsyncDisposable> AdvertiseAsync(AdvertisedService service, CancellationToken cancellationToken) =>
            throw new InvalidOperationException(Problem);
    }
}
