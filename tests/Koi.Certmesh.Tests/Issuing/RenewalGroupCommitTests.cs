using System.Net;
using System.Security.Cryptography.X509Certificates;
using Koi.Certmesh.Enrollment;
using Koi.Certmesh.MeshPlane;
using Koi.Certmesh.Revocation;
using Koi.Certmesh.Roster;
using Koi.Certmesh.Tests.Enrollment;
using Koi.Core.Errors;

namespace Koi.Certmesh.Tests.Issuing;

/// <summary>
/// Renewals that wait for the CA's gate together are committed together (docs/certmesh.md "Renewal"): each is still
/// signed on its own, answered only after its audit line and roster entry are on disk, and refused with the rest
/// when that write fails.
/// </summary>
public sealed class RenewalGroupCommitTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Renew_SixteenQueuedBehindTheGate_EachGetsItsOwnCertificateAllDurablyRecordedChainIntact()
    {
        await using var kit = await JoinKit.CreateAsync();
        var hosts = await AdmitAsync(kit, 16);

        var answers = await WhileGateHeldAsync(kit, () => hosts.Select(h => Renew(kit, h)).ToList());

        var renewed = await Task.WhenAll(answers);
        Assert.Equal(hosts, renewed.Select(r => r.Hostname));
        Assert.Equal(16, renewed.Select(Serial).Distinct().Count());
        foreach (var answer in renewed)
        {
            using var cert = X509Certificate2.CreateFromPem(answer.ServiceCert);
            Assert.Equal($"CN={answer.Hostname}", cert.Subject);
        }

        // What a restart reads back: every entry with the certificate its member was handed.
        var reloaded = new RosterStore(kit.Ca.Roster.Path).Load()!;
        foreach (var answer in renewed)
        {
            var entry = reloaded.Members.Single(m => m.Hostname == answer.Hostname);
            Assert.Equal(Serial(answer), entry.CertSerial);
        }

        var lines = kit.AuditLines().Where(l => l.Contains(" cert_renewed ", StringComparison.Ordinal)).ToList();
        Assert.Equal(16, lines.Count);
        Assert.True(kit.Ca.Context.Audit.Verify()!.Valid);
    }

    [Fact]
    public async Task Renew_SameMemberTwiceInOneBatch_SecondReplacesFirstWhichIsListedSuperseded()
    {
        await using var kit = await JoinKit.CreateAsync();
        var host = (await AdmitAsync(kit, 1))[0];
        var joined = kit.Roster.Members.Single(m => m.Hostname == host).CertSerial;

        var answers = await WhileGateHeldAsync(kit, () => [Renew(kit, host), Renew(kit, host)]);

        var first = await answers[0];
        var second = await answers[1];
        Assert.NotEqual(Serial(first), Serial(second));
        var entry = new RosterStore(kit.Ca.Roster.Path).Load()!.Members.Single(m => m.Hostname == host);
        Assert.Equal(Serial(second), entry.CertSerial);
        Assert.Equal([joined, Serial(first)], entry.Superseded!.Select(s => s.Serial));
    }

    [Fact]
    public async Task Renew_OneOfTheBatchNotAMember_ThatOneForbiddenTheOthersRenewed()
    {
        await using var kit = await JoinKit.CreateAsync();
        var hosts = await AdmitAsync(kit, 2);

        var answers = await WhileGateHeldAsync(kit, () => [Renew(kit, hosts[0]), Renew(kit, "stone-x"), Renew(kit, hosts[1])]);

        Assert.Equal(hosts[0], (await answers[0]).Hostname);
        Assert.Equal(KoiErrorCode.Forbidden, (await Assert.ThrowsAsync<KoiException>(() => answers[1])).Code);
        Assert.Equal(hosts[1], (await answers[2]).Hostname);
        Assert.Contains(kit.AuditLines(), l => l.Contains(" renew_refused hostname=stone-x reason=not_a_member", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Renew_AuditLogUnwritableForTheBatch_EveryOneRefusedRosterUnchanged()
    {
        await using var kit = await JoinKit.CreateAsync();
        var hosts = await AdmitAsync(kit, 3);
        var before = kit.Roster.Members.ToDictionary(m => m.Hostname, m => m.CertSerial);

        var answers = await WhileGateHeldAsync(kit, () =>
        {
            var queued = hosts.Select(h => Renew(kit, h)).ToList();

            // Root ignores file modes, so the log is made unwritable the way a broken disk would: by what is there.
            File.Delete(kit.H.Files.AuditLog);
            Directory.CreateDirectory(kit.H.Files.AuditLog);
            return queued;
        });

        foreach (var answer in answers)
        {
            var refused = await Assert.ThrowsAsync<KoiException>(() => answer);
            Assert.Equal(KoiErrorCode.Unavailable, refused.Code);
            Assert.Contains("nothing was issued", refused.Message, StringComparison.Ordinal);
        }

        var reloaded = new RosterStore(kit.Ca.Roster.Path).Load()!;
        Assert.All(hosts, h => Assert.Equal(before[h], reloaded.Members.Single(m => m.Hostname == h).CertSerial));
    }

    /// <summary>Members stone-0001 … through the join path (as the enrollment bench fills its roster).</summary>
    private static async Task<List<string>> AdmitAsync(JoinKit kit, int count)
    {
        var hosts = new List<string>();
        for (var i = 1; i <= count; i++)
        {
            var host = $"stone-{i:D4}";
            var source = IPAddress.Parse($"10.77.0.{20 + i}");
            var candidate = JoinCandidate.Parse(new JoinRequest(host, JoinKit.Csr(host), null, [source.ToString()]), kit.Ca.JoinPolicy);
            await kit.Ca.AdmitAsync(candidate, host, source, Ct);
            hosts.Add(host);
        }

        return hosts;
    }

    /// <summary>
    /// Starts the renewals while the CA's gate is held, so that all of them queue behind it, then lets the gate go:
    /// the first to take it commits the whole queue.
    /// </summary>
    private static async Task<List<Task<RenewResponse>>> WhileGateHeldAsync(JoinKit kit, Func<List<Task<RenewResponse>>> start)
    {
        await kit.Ca.Context.Gate.WaitAsync(Ct);
        List<Task<RenewResponse>> answers;
        try
        {
            answers = start();
            Assert.All(answers, a => Assert.False(a.IsCompleted));
        }
        finally
        {
            kit.Ca.Context.Gate.Release();
        }

        return answers;
    }

    /// <summary>The serial of the certificate handed out, as the roster and the CRL write it.</summary>
    private static string Serial(RenewResponse answer)
    {
        using var cert = X509Certificate2.CreateFromPem(answer.ServiceCert);
        return RevocationListSigner.SerialHex(cert.SerialNumberBytes.Span);
    }

    private static Task<RenewResponse> Renew(JoinKit kit, string host) =>
        kit.Ca.Renewals.RenewAsync(new MeshPeer(host, string.Empty, string.Empty, kit.H.Time.GetUtcNow()), new RenewRequest(JoinKit.Csr(host)), null, Ct);
}
