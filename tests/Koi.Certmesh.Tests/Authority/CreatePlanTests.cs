using Koi.Certmesh.Authority;
using Koi.Certmesh.Roster;
using Koi.Core.Errors;

namespace Koi.Certmesh.Tests.Authority;

public sealed class CreatePlanTests
{
    [Theory]
    [InlineData("just-me", "Personal", "Open", false)]
    [InlineData("team", "Team", "Open", true)]
    [InlineData("custom", "Custom", "Open", false)]
    public void Build_ProfileDefaults_FollowSeed(string flag, string profile, string enrollment, bool approval)
    {
        var plan = CreatePlan.Build(CreatePlan.ParseProfile(flag), null, null, null, null, null, () => "10.0.0.0/24");
        Assert.Equal(profile, plan.Profile.ToString());
        Assert.Equal(enrollment, plan.Enrollment.ToString());
        Assert.Equal(approval, plan.RequireApproval);
        Assert.Equal("self", plan.Operator);
    }

    [Fact]
    public void Build_Team_InfersSubnet()
    {
        var plan = CreatePlan.Build(TrustProfile.Team, "Alice", null, null, null, null, () => "10.77.0.0/24");
        Assert.Equal("10.77.0.0/24", plan.SubnetScope);
        Assert.Null(CreatePlan.Build(TrustProfile.Personal, null, null, null, null, null, () => "10.77.0.0/24").SubnetScope);
    }

    [Fact]
    public void Build_Organization_ClosedApprovalAndScopesRequired()
    {
        var plan = CreatePlan.Build(TrustProfile.Organization, "Maria", null, null, "School.Local.", "192.168.1.7/24", () => null);
        Assert.Equal(EnrollmentState.Closed, plan.Enrollment);
        Assert.True(plan.RequireApproval);
        Assert.Equal("school.local", plan.DomainScope);
        Assert.Equal("192.168.1.0/24", plan.SubnetScope);

        Assert.Equal(400, Assert.Throws<KoiException>(() => CreatePlan.Build(TrustProfile.Organization, null, null, null, "a.b", "10.0.0.0/8", () => null)).HttpStatus);
        Assert.Equal(400, Assert.Throws<KoiException>(() => CreatePlan.Build(TrustProfile.Organization, "Maria", null, null, null, "10.0.0.0/8", () => null)).HttpStatus);
    }

    [Fact]
    public void Build_ExplicitOverrides_Win()
    {
        var plan = CreatePlan.Build(TrustProfile.Personal, "Bob", EnrollmentState.Closed, true, null, null, () => null);
        Assert.Equal(EnrollmentState.Closed, plan.Enrollment);
        Assert.True(plan.RequireApproval);
    }

    [Theory]
    [InlineData("nonsense")]
    [InlineData("")]
    public void ParseProfile_Unknown_400(string text)
    {
        Assert.Equal(400, Assert.Throws<KoiException>(() => CreatePlan.ParseProfile(text)).HttpStatus);
    }

    [Theory]
    [InlineData("bad domain!")]
    [InlineData("-x.local")]
    public void Build_InvalidDomain_400(string domain)
    {
        Assert.Equal(400, Assert.Throws<KoiException>(() => CreatePlan.Build(TrustProfile.Custom, null, null, null, domain, null, () => null)).HttpStatus);
    }

    [Fact]
    public void Build_InvalidSubnet_400()
    {
        Assert.Equal(400, Assert.Throws<KoiException>(() => CreatePlan.Build(TrustProfile.Custom, null, null, null, null, "10.0.0.0/99", () => null)).HttpStatus);
    }
}
