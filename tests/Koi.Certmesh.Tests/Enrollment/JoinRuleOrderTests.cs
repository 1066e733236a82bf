using System.Net;
using Koi.Certmesh.Enrollment;
using Koi.Certmesh.Roster;
using Koi.Core.Errors;

namespace Koi.Certmesh.Tests.Enrollment;

/// <summary>Each rule of a join, and that they apply in the documented order (docs/certmesh.md, "Joining").</summary>
public sealed class JoinRuleOrderTests
{
    [Fact]
    public async Task Join_NoCa_503CaNotInitializedAndNothingWritten()
    {
        await using var h = new CertmeshHarness();
        await h.Authority.LoadAsync(CancellationToken.None);

        var ex = await Assert.ThrowsAsync<KoiException>(() =>
            h.Authority.JoinAsync(JoinKit.Request("stone-b", "123456"), IPAddress.Parse(JoinKit.B), CancellationToken.None));

        Assert.Equal(KoiErrorCode.CaNotInitialized, ex.Code);
        Assert.Equal(503, ex.HttpStatus);
        Assert.False(Directory.Exists(h.Files.Dir));
    }

    [Fact]
    public async Task Join_CaLocked_503BeforeTheCodeAndNoFailureCounted()
    {
        await using var kit = await JoinKit.CreateAsync();
        await kit.Ca.LockAsync(CancellationToken.None);

        for (var i = 0; i < 5; i++)
        {
            var ex = await kit.RefusedAsync("stone-b", kit.WrongCode());
            Assert.Equal(KoiErrorCode.CaLocked, ex.Code);
            Assert.Equal(503, ex.HttpStatus);
        }

        Assert.Contains("join_refused reason=ca_locked from=10.77.0.12 hostname=stone-b", kit.LastAudit());
        await kit.Ca.UnlockAsync(CertmeshHarness.Passphrase, CancellationToken.None);
        var joined = await kit.JoinAsync("stone-b", kit.Code());
        Assert.NotNull(joined.Issued);
    }

    [Fact]
    public async Task RefusePlainHttp_MeshPlaneNotListening_TlsRequiredSaysSoAuditedAndTheCodeStillJoins()
    {
        await using var kit = await JoinKit.CreateAsync();
        kit.Ca.Context.MeshPort = null;

        var ex = kit.Ca.RefusePlainHttpJoin(IPAddress.Parse(JoinKit.B), "stone-a.lan");

        Assert.Equal(KoiErrorCode.TlsRequired, ex.Code);
        Assert.Equal(403, ex.HttpStatus);
        Assert.Contains("/v1/certmesh/mesh/join", ex.Message);
        Assert.Contains("not listening here", ex.Message);
        Assert.Contains("join_refused reason=plain_http from=10.77.0.12", kit.LastAudit());
        Assert.NotNull((await kit.JoinAsync("stone-b", kit.Code())).Issued);
    }

    [Fact]
    public async Task Join_EnrollmentClosed_403EvenWithRightCodeAndNoFailureCounted()
    {
        await using var kit = await JoinKit.CreateAsync();
        await kit.Ca.CloseEnrollmentAsync("operator", CancellationToken.None);

        var right = await kit.RefusedAsync("stone-b", kit.Code());
        Assert.Equal(KoiErrorCode.EnrollmentClosed, right.Code);
        Assert.Equal(403, right.HttpStatus);
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(KoiErrorCode.EnrollmentClosed, (await kit.RefusedAsync("stone-b", kit.WrongCode())).Code);
        }

        Assert.Contains("join_refused reason=enrollment_closed from=10.77.0.12", kit.LastAudit());
        await kit.Ca.OpenEnrollmentAsync(null, CancellationToken.None);
        Assert.NotNull((await kit.JoinAsync("stone-b", kit.Code())).Issued);
    }

    [Fact]
    public async Task Join_WindowRanOut_403EnrollmentClosed()
    {
        await using var kit = await JoinKit.CreateAsync();
        await kit.Ca.OpenEnrollmentAsync(TimeSpan.FromMinutes(1), CancellationToken.None);
        Assert.NotNull((await kit.JoinAsync("stone-b", kit.Code())).Issued);

        kit.H.Time.Advance(TimeSpan.FromSeconds(61));

        var ex = await kit.RefusedAsync("stone-c", kit.Code(), JoinKit.C);
        Assert.Equal(KoiErrorCode.EnrollmentClosed, ex.Code);
        Assert.Equal(EnrollmentState.Closed, kit.Roster.Metadata.EnrollmentState);
        Assert.DoesNotContain(kit.Roster.Members, m => m.Hostname == "stone-c");
    }

    [Fact]
    public async Task Join_LockedOutSource_429BeforeTheCodeIsLookedAt()
    {
        await using var kit = await JoinKit.CreateAsync();
        for (var i = 0; i < 3; i++)
        {
            await kit.RefusedAsync("stone-b", kit.WrongCode());
        }

        // Locked out: even a malformed request with the right code is 429, not 400, and the code stays unspent.
        var code = kit.Code();
        var ex = await kit.RefusedAsync("../etc", code);
        Assert.Equal(KoiErrorCode.RateLimited, ex.Code);
        Assert.NotNull((await kit.JoinAsync("stone-c", code, JoinKit.C)).Issued);
    }

    [Fact]
    public async Task Join_WrongCodeAndMalformedRequest_401TheCodeComesFirst()
    {
        await using var kit = await JoinKit.CreateAsync();

        var ex = await kit.RefusedAsync("../evil", kit.WrongCode(), csr: "not a csr");

        Assert.Equal(KoiErrorCode.InvalidTotp, ex.Code);
        Assert.Equal(401, ex.HttpStatus);
    }

    [Fact]
    public async Task Join_RightCodeMalformedRequest_400AndTheCodeIsSpent()
    {
        await using var kit = await JoinKit.CreateAsync();
        var code = kit.Code();

        var bad = await kit.RefusedAsync("stone-b", code, csr: "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n");
        Assert.Equal(KoiErrorCode.InvalidRequest, bad.Code);
        Assert.Equal(400, bad.HttpStatus);

        var again = await kit.RefusedAsync("stone-b", code);
        Assert.Equal(KoiErrorCode.InvalidTotp, again.Code);
        Assert.Contains("code already used — wait for the next code", again.Message);
        Assert.Single(kit.Roster.Members);
    }

    [Fact]
    public async Task Join_MalformedAndHostnameOutOfScope_400ValidityBeforeHostnameScope()
    {
        await using var kit = await JoinKit.ScopedAsync("lab.test", "10.77.0.0/24");

        var ex = await kit.RefusedAsync("stone-b.elsewhere.test", kit.Code(), csr: "garbage");

        Assert.Equal(KoiErrorCode.InvalidRequest, ex.Code);
    }

    [Fact]
    public async Task Join_SourceOutsideSubnetScope_403BeforeTheCodeWhichStaysUnspent()
    {
        await using var kit = await JoinKit.ScopedAsync("lab.test", "10.77.0.0/24");
        var code = kit.Code();

        var ex = await kit.RefusedAsync("stone-b.elsewhere.test", code, from: "10.99.0.5", csr: "garbage");

        Assert.Equal(KoiErrorCode.OutOfScope, ex.Code);
        Assert.NotNull((await kit.JoinAsync("stone-b", code)).Issued);
    }

    [Fact]
    public async Task Join_OutOfScopeAndRevoked_403OutOfScopeScopeBeforeStanding()
    {
        await using var kit = await JoinKit.ScopedAsync(null, "10.77.0.0/24");
        await kit.JoinAsync("stone-b", kit.Code());
        await kit.Ca.RevokeAsync("stone-b", "lost laptop", CancellationToken.None);

        var ex = await kit.RefusedAsync("stone-b", kit.NextCode(), from: "10.99.0.5");

        Assert.Equal(KoiErrorCode.OutOfScope, ex.Code);
        Assert.Equal(403, ex.HttpStatus);
    }

    [Fact]
    public async Task Join_Revoked_403Revoked()
    {
        await using var kit = await JoinKit.CreateAsync();
        await kit.JoinAsync("stone-b", kit.Code());
        await kit.Ca.RevokeAsync("stone-b", null, CancellationToken.None);

        var ex = await kit.RefusedAsync("stone-b", kit.NextCode());

        Assert.Equal(KoiErrorCode.Revoked, ex.Code);
        Assert.Equal(403, ex.HttpStatus);
        Assert.Contains("join_refused reason=revoked from=10.77.0.12 hostname=stone-b", kit.LastAudit());
    }

    [Theory]
    [InlineData("stone-a")]
    [InlineData("STONE-A")]
    [InlineData("stone-b")]
    public async Task Join_HostnameAlreadyActive_409Conflict(string hostname)
    {
        await using var kit = await JoinKit.CreateAsync();
        await kit.JoinAsync("stone-b", kit.Code());
        var before = kit.RosterOnDisk();

        var ex = await kit.RefusedAsync(hostname, kit.NextCode(), JoinKit.C);

        Assert.Equal(KoiErrorCode.Conflict, ex.Code);
        Assert.Equal(409, ex.HttpStatus);
        Assert.Equal(before, kit.RosterOnDisk());
    }

    [Fact]
    public async Task Join_ConflictWithApprovalRequired_409NotQueued()
    {
        await using var kit = await JoinKit.CreateAsync(TrustProfile.Team);

        var ex = await kit.RefusedAsync("stone-a", kit.Code());

        Assert.Equal(KoiErrorCode.Conflict, ex.Code);
        Assert.Empty((await kit.Ca.PendingAsync(CancellationToken.None)).Requests);
    }

    [Fact]
    public async Task Join_EveryRefusal_AuditedWithSourceAndReason()
    {
        await using var kit = await JoinKit.CreateAsync();
        await kit.RefusedAsync("stone-b", kit.WrongCode());
        await kit.RefusedAsync("stone-b", kit.Code(), csr: "x");
        await kit.RefusedAsync("stone-a", kit.NextCode());

        var refusals = kit.AuditLines().Where(l => l.Contains(" join_refused ", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, refusals.Count);
        Assert.Contains("reason=invalid_totp from=10.77.0.12", refusals[0]);
        Assert.Contains("reason=invalid_request from=10.77.0.12", refusals[1]);
        Assert.Contains("reason=conflict from=10.77.0.12 hostname=stone-a", refusals[2]);
    }
}
