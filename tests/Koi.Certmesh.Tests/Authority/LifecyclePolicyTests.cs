using Koi.Certmesh.Authority;
using Koi.Certmesh.Membership;
using Koi.Certmesh.Roster;
using Koi.Core.Errors;
using Koi.Core.Status;
using Koi.Testing;

namespace Koi.Certmesh.Tests.Authority;

public sealed class LifecyclePolicyTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Create_MachineIsAMemberOfAnotherMesh_409AndNothingWritten()
    {
        using var dir = new TempDirectory();
        var h = new CertmeshHarness(dir);
        await h.DisposeAsync();
        var member = new MembershipDocument
        {
            Hostname = "stone-a",
            CaEndpoint = "http://10.77.0.1:5641",
            CaHostname = "stone-z",
            PinnedCaFingerprint = "ab12",
            Profile = "just-me",
            RequiresApproval = false,
            JoinedAt = DateTimeOffset.UtcNow,
            CertPath = "certs/stone-a",
            Sans = [],
            CertExpires = DateTimeOffset.UtcNow.AddDays(30),
        };
        var time = new ManualTimeProvider(DateTimeOffset.UtcNow);
        var status = new StatusRegistry(time);
        var files = new CertmeshFiles(dir.Combine("data2", "certmesh"), dir.Combine("data2", "certs"));
        await using var authority = new CertmeshAuthority(files, new CertmeshOptions { Hostname = () => "stone-a", TrustStores = () => [] },
            new CertmeshAnnouncer(new RecordingAdvertiser(), 5641, status.Register("certmesh", "announcement"), new RecordingLogger()),
            status, time, new RecordingLogger(), memberOf: () => member);

        var error = await Assert.ThrowsAsync<KoiException>(() => authority.CreateAsync(CertmeshHarness.Plan(), CertmeshHarness.Passphrase, null, CertmeshAuthority.NewTotpSecret(null), Ct));

        Assert.Equal(KoiErrorCode.Conflict, error.Code);
        Assert.Contains("member of the mesh of stone-z", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(files.Roster));
        Assert.False(Directory.Exists(files.CertPath("stone-a")));
    }

    [Fact]
    public async Task SetPolicy_Minutes_TestSettingStoredAndUsedForNewCertificates()
    {
        await using var h = new CertmeshHarness();
        await h.CreateAsync();

        var policy = await h.Authority.SetPolicyAsync(null, null, Ct, lifetimeMinutes: 3, renewAtMinute: 2);

        Assert.Equal(TimeSpan.FromMinutes(3), policy.Lifetime);
        Assert.Equal(TimeSpan.FromMinutes(2), policy.RenewAfter);
        var own = await h.Authority.OwnCertificate.RenewIfDueAsync(force: true, Ct);
        Assert.True(own.Renewed);
        Assert.InRange(own.CertExpires!.Value - h.Time.GetUtcNow(), TimeSpan.FromMinutes(2.9), TimeSpan.FromMinutes(3.1));

        // Days again end the test setting.
        var back = await h.Authority.SetPolicyAsync(30, 20, Ct);
        Assert.Null(back.LifetimeMinutes);
        Assert.Equal(TimeSpan.FromDays(30), back.Lifetime);
    }

    [Theory]
    [InlineData(3, null)]
    [InlineData(1, 1)]
    [InlineData(3, 3)]
    public async Task SetPolicy_BrokenMinutes_400AndPolicyUnchanged(int lifetime, int? renewAt)
    {
        await using var h = new CertmeshHarness();
        await h.CreateAsync();

        var error = await Assert.ThrowsAsync<KoiException>(() => h.Authority.SetPolicyAsync(null, null, Ct, lifetime, renewAt));

        Assert.Equal(KoiErrorCode.InvalidRequest, error.Code);
        Assert.Null(h.Authority.Roster.Current!.Metadata.Policy.LifetimeMinutes);
    }

    [Fact]
    public async Task Compliance_OwnCertificatePastItsRenewPointWhileLocked_NotHealthyAndSaysWhy()
    {
        await using var h = new CertmeshHarness();
        await h.CreateAsync();
        await h.Authority.LockAsync(Ct);
        h.Time.Advance(TimeSpan.FromDays(21));

        var compliance = await h.Authority.ComplianceAsync(Ct);
        var status = await h.Authority.StatusAsync(Ct);

        Assert.False(compliance.Healthy);
        Assert.Contains(status.Warnings, w => w.Contains("the CA host's own certificate", StringComparison.Ordinal) && w.Contains("locked", StringComparison.Ordinal));
        Assert.DoesNotContain("healthy\n", compliance.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OwnCertificate_DueAndUnlocked_RenewsOnItsOwnAndRosterKnowsTheNewCertificate()
    {
        await using var h = new CertmeshHarness();
        await h.CreateAsync();
        var before = h.Authority.Roster.Current!.Members.Single(m => m.Role == MemberRole.Primary).CertFingerprint;
        h.Time.Advance(TimeSpan.FromDays(20));

        var view = await h.Authority.OwnCertificate.RenewIfDueAsync(force: false, Ct);

        Assert.True(view.Renewed);
        var after = h.Authority.Roster.Current!.Members.Single(m => m.Role == MemberRole.Primary);
        Assert.NotEqual(before, after.CertFingerprint);
        Assert.Equal(ComponentState.Running, h.Status.Snapshot("certmesh").Single(c => c.Name == "certmesh/own_certificate").State);
        Assert.Contains("cert_renewed", h.AuditEvents());
    }
}
