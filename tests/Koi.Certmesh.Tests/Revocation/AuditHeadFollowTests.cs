using System.Net.Http.Json;
using Koi.Certmesh.Enrollment;
using Koi.Certmesh.Membership;
using Koi.Certmesh.Revocation;
using Koi.Certmesh.Roster;
using Koi.Certmesh.Tests.Enrollment;
using Koi.Core.Status;
using Koi.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Logging.Abstractions;

namespace Koi.Certmesh.Tests.Revocation;

/// <summary>A member following its CA's bundles notices the CA's signed audit head going backwards.</summary>
public sealed class AuditHeadFollowTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Follower_CaRolledBackToAnOlderSignedHead_AlarmInStatusAndMemberAudit()
    {
        await using var host = await EnrollmentApiHost.StartAsync();
        var secret = await host.CreateAsync(TrustProfile.Personal);
        await RevocationApiTests.JoinAsync(host, secret, "stone-b", "10.77.0.12");
        var older = host.Ca.Roster.Current!.Metadata.AuditHead!;
        await RevocationApiTests.JoinAsync(host, secret, "stone-c", "10.77.0.13");
        var local = host.Client("127.0.0.1");
        (await local.PostAsJsonAsync("/v1/certmesh/revoke", new RevokeRequest("stone-c", null), CertmeshTestJson.Options, Ct)).EnsureSuccessStatusCode();
        var newer = host.Ca.Roster.Current!.Metadata.AuditHead!;

        using var member = new TempDirectory();
        var files = new MemberFiles(member.Combine("certmesh"), member.Combine("certs"));
        Directory.CreateDirectory(files.Dir);
        var store = new TrustBundleStore(member.Combine("certmesh", "trust-bundle.json"), member.Combine("certmesh", "crl.pem"));
        var status = new StatusRegistry(host.Time);
        var follower = new BundleFollower(store, new CaClient(new HttpClient(host.App.GetTestServer().CreateHandler())), files, status, host.Time, NullLogger.Instance);
        var membership = RevocationApiTests.Membership("stone-d", host.Ca.Roster.Current!.Metadata.CaFingerprint);

        await follower.RefreshAsync(membership, Ct);
        Assert.Equal(newer, store.Held!.Bundle.AuditHead);
        Assert.NotEqual("Failed", Component(status).State.ToString());

        // Whoever holds the CA's data dir puts back an older log and roster (its head genuinely signed, just older)
        // and the CA goes on from there: the next bundle is newer, its head (signed at the next revocation) is not.
        var lines = File.ReadAllLines(host.Ca.Context.Files.AuditLog);
        File.WriteAllLines(host.Ca.Context.Files.AuditLog, lines[..(int)older.Seq]);
        host.Ca.Context.Audit.Open();
        host.Ca.Roster.Update(r => r! with { Metadata = r.Metadata with { AuditHead = older } });
        (await local.PostAsJsonAsync("/v1/certmesh/revoke", new RevokeRequest("stone-b", null), CertmeshTestJson.Options, Ct)).EnsureSuccessStatusCode();
        var after = await follower.RefreshAsync(membership, Ct);

        // Bundles: 1 at create, 2 at the first own-certificate tick (the join moved the head), 3 and 4 at the revocations.
        Assert.Equal(4, after.Sequence);
        Assert.Equal("Failed", Component(status).State.ToString());
        Assert.Contains($"ALARM: the CA's audit log went back from line {newer.Seq}", Component(status).Reason, StringComparison.Ordinal);
        var audit = File.ReadAllLines(files.MemberAuditLog)[^1];
        Assert.Contains($"audit_head_rollback endpoint=http://localhost seen_seq={newer.Seq} got_seq={older.Seq + 1} bundle_sequence=4", audit, StringComparison.Ordinal);

        // Asked again, the alarm stays in status but is audited once; a restarted member still shows it.
        await follower.RefreshAsync(membership, Ct);
        Assert.Single(File.ReadAllLines(files.MemberAuditLog), l => l.Contains(" audit_head_rollback ", StringComparison.Ordinal));
        var status2 = new StatusRegistry(host.Time);
        var restarted = new BundleFollower(new TrustBundleStore(store.BundlePath, member.Combine("certmesh", "crl.pem")), new CaClient(new HttpClient(host.App.GetTestServer().CreateHandler())), files, status2, host.Time, NullLogger.Instance);
        restarted.Load(membership);
        Assert.Contains("ALARM", Component(status2).Reason, StringComparison.Ordinal);
    }

    private static ComponentSnapshot Component(StatusRegistry status) => status.Snapshot("certmesh").Single(c => c.Name == "certmesh/trust_bundle");
}
