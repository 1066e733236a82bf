using Koi.Certmesh.Roster;
using Koi.Core.Errors;

namespace Koi.Certmesh.Tests.Authority;

public sealed class DestroyTests
{
    [Fact]
    public async Task Destroy_Created_RemovesStateTrustAndAnnouncement()
    {
        await using var h = new CertmeshHarness();
        var created = await h.CreateAsync();
        var anchor = Path.Combine(h.Anchors, $"koi-{created.CaFingerprint[..8]}.crt");
        Assert.True(File.Exists(anchor));

        await h.Authority.DestroyAsync(CancellationToken.None);

        Assert.False(Directory.Exists(h.Files.Dir));
        Assert.False(Directory.Exists(created.CertPath));
        Assert.False(File.Exists(anchor));
        Assert.Empty(h.Advertiser.Active);
        Assert.False(h.Authority.Initialized);
        var ex = await Assert.ThrowsAsync<KoiException>(() => h.Authority.LockAsync(CancellationToken.None));
        Assert.Equal(KoiErrorCode.CaNotInitialized, ex.Code);

        // A new mesh can be created afterwards.
        var again = await h.CreateAsync(TrustProfile.Team);
        Assert.NotEqual(created.CaFingerprint, again.CaFingerprint);
    }

    [Fact]
    public async Task Compliance_Profiles_AdaptToProfile()
    {
        await using var personal = new CertmeshHarness();
        await personal.CreateAsync();
        var simple = await personal.Authority.ComplianceAsync(CancellationToken.None);
        Assert.StartsWith("certmesh: healthy", simple.Text, StringComparison.Ordinal);
        Assert.True(simple.Healthy);

        await using var org = new CertmeshHarness();
        await org.CreateAsync(TrustProfile.Organization);
        var full = await org.Authority.ComplianceAsync(CancellationToken.None);
        Assert.StartsWith("Certmesh Security Summary", full.Text, StringComparison.Ordinal);
        Assert.Contains(full.Items, i => i.Label == "Scope" && i.Value == "lab.test / 10.77.0.0/24");
        Assert.Contains(full.Items, i => i.Label == "Approval mode" && i.Value == "required");
    }

    [Fact]
    public async Task MemberDirectory_Roster_ExposesNamesAndAddresses()
    {
        await using var h = new CertmeshHarness();
        var directory = new Koi.Certmesh.Naming.RosterMemberDirectory(h.Authority.Roster, h.Time);
        var changed = 0;
        directory.Changed += (_, _) => changed++;
        await h.CreateAsync();

        var member = Assert.Single(directory.Members());
        Assert.Equal("stone-a", member.Hostname);
        Assert.Equal(["stone-a.local", "stone-a.lan"], member.Sans);
        Assert.Equal("10.77.0.11", member.Addresses[0].ToString());
        Assert.True(member.IsActive);
        Assert.True(changed > 0);

        h.Time.Advance(TimeSpan.FromDays(31));
        Assert.False(directory.Members()[0].IsActive);
    }
}
