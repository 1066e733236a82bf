using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Koi.Certmesh.Crypto;
using Koi.Certmesh.Membership;
using Koi.Certmesh.Roster;
using Koi.Certmesh.Tests.Enrollment;
using Koi.Core.Discovery;
using Koi.Core.Errors;
using Koi.Testing;
using Microsoft.AspNetCore.TestHost;

namespace Koi.Certmesh.Tests.Membership;

/// <summary>
/// A joiner against a CA that renews its own certificate at the wrong moment: between its hello and the joiner's TLS
/// connection, or while a join waits for approval. The CA's routes are the real ones (in-memory HTTP for the hello),
/// its mesh plane is the real TLS listener on loopback, and the joiner is the real <see cref="MemberJoiner"/>.
/// </summary>
public sealed class JoinAcrossOwnRenewalTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Join_CaRenewsOwnCertificateAfterTheHello_JoinsAfterASecondHello()
    {
        await using var host = await EnrollmentApiHost.StartAsync(meshPort: 0);
        var secret = await host.CreateAsync(TrustProfile.Personal);
        await MeshPlaneListeningAsync(host);
        await using var joiner = new Joiner(host);
        joiner.Hellos.RenewAfter = 1;

        var result = await joiner.Member.JoinAsync(new MemberJoinRequest("http://127.0.0.1:5641", Totp.Code(secret, host.Time.GetUtcNow()), null, null), Ct);

        Assert.Equal("enrolled", result.Status);
        Assert.Equal(2, joiner.Hellos.Count);
        Assert.Equal(1, joiner.Hellos.Renewals);
        var audit = File.ReadAllText(joiner.Files.MemberAuditLog);
        Assert.Contains("ca_hello_repeated", audit, StringComparison.Ordinal);
        Assert.Contains("joined", audit, StringComparison.Ordinal);
        Assert.Equal(2, host.Ca.Roster.Current!.Members.Count);
    }

    [Fact]
    public async Task Poll_CaRenewedOwnCertificateWhileTheJoinWaited_CompletesAfterASecondHello()
    {
        await using var host = await EnrollmentApiHost.StartAsync(meshPort: 0);
        var secret = await host.CreateAsync(TrustProfile.Team);
        await host.Ca.OpenEnrollmentAsync(null, Ct);
        await MeshPlaneListeningAsync(host);
        await using var joiner = new Joiner(host);
        var waiting = await joiner.Member.JoinAsync(new MemberJoinRequest("http://127.0.0.1:5641", Totp.Code(secret, host.Time.GetUtcNow()), null, null), Ct);
        Assert.Equal("pending", waiting.Status);

        // Hours later: the CA's addresses changed, so it renewed its own certificate; then the operator approves.
        await host.Ca.Renewals.RenewOwnAsync(null, Ct);
        await host.Ca.ApproveAsync("stone-b", null, Ct);
        var result = await joiner.Member.PollAsync(waiting.RequestId!, Ct);

        Assert.Equal("enrolled", result.Status);
        Assert.Equal(2, joiner.Hellos.Count);
        Assert.Contains("ca_hello_repeated", File.ReadAllText(joiner.Files.MemberAuditLog), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Join_CaRenewsAgainBeforeTheSecondConnection_RefusedAsPossibleMitmNothingWritten()
    {
        await using var host = await EnrollmentApiHost.StartAsync(meshPort: 0);
        var secret = await host.CreateAsync(TrustProfile.Personal);
        await MeshPlaneListeningAsync(host);
        await using var joiner = new Joiner(host);

        // Every hello is followed by a renewal: the TLS server never presents what the last hello showed. One repeat
        // is all a joiner allows, so this stays a refusal, never a loop.
        joiner.Hellos.RenewAfter = int.MaxValue;
        var ex = await Assert.ThrowsAnyAsync<KoiException>(() => joiner.Member.JoinAsync(new MemberJoinRequest("http://127.0.0.1:5641", Totp.Code(secret, host.Time.GetUtcNow()), null, null), Ct));

        Assert.Equal(KoiErrorCode.CaFingerprintMismatch, ex.Code);
        Assert.Contains("possible MITM", ex.Message, StringComparison.Ordinal);
        Assert.Equal(2, joiner.Hellos.Count);
        Assert.Null(joiner.Membership.Current);
        Assert.Single(host.Ca.Roster.Current!.Members);
    }

    [Fact]
    public void IsRenewedSinceHello_OnlySameCaAndSameHost_True()
    {
        using var ours = NewCa("ours");
        using var theirs = NewCa("theirs");
        var identity = new CaIdentity("http://127.0.0.1:5641", "stone-a", HelloVerifier.Fingerprint(ours), "just-me", "open", null, false) { CaCert = ours.ExportCertificatePem() };
        var now = DateTimeOffset.UtcNow;

        using var ourLeaf = Issue(ours, "stone-a");
        using var theirLeaf = Issue(theirs, "stone-a");
        using var otherHost = Issue(ours, "stone-x");

        Assert.True(CaClient.IsRenewedSinceHello(ourLeaf, identity, now));
        Assert.False(CaClient.IsRenewedSinceHello(theirLeaf, identity, now));
        Assert.False(CaClient.IsRenewedSinceHello(otherHost, identity, now));
        Assert.False(CaClient.IsRenewedSinceHello(ourLeaf, identity, now.AddYears(5)));
        Assert.False(CaClient.IsRenewedSinceHello(null, identity, now));
    }

    /// <summary>The mesh plane starts once the roster exists (on its change event); the hello reports its port.</summary>
    private static async Task MeshPlaneListeningAsync(EnrollmentApiHost host)
    {
        for (var waited = 0; host.Ca.Context.MeshPort is null; waited += 50)
        {
            Assert.True(waited < 10_000, "the mesh plane did not start within 10 s");
            await Task.Delay(50, Ct);
        }
    }

    private static X509Certificate2 NewCa(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddYears(1));
    }

    private static X509Certificate2 Issue(X509Certificate2 ca, string hostname)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={hostname}", key, HashAlgorithmName.SHA256);
        var sans = new SubjectAlternativeNameBuilder();
        sans.AddDnsName(hostname);
        request.CertificateExtensions.Add(sans.Build());
        return request.Create(ca, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddDays(30), RandomNumberGenerator.GetBytes(16));
    }

    /// <summary>The machine "stone-b" joining: its own (CA-less) authority and member files, the hello over the CA's routes.</summary>
    private sealed class Joiner : IAsyncDisposable
    {
        private readonly CertmeshHarness _machine;

        public Joiner(EnrollmentApiHost ca)
        {
            _machine = new CertmeshHarness(hostname: "stone-b");
            Hellos = new HelloRecorder(ca) { InnerHandler = ca.App.GetTestServer().CreateHandler() };
            Files = new MemberFiles(_machine.Directory.Combine("member", "certmesh"), _machine.Directory.Combine("member", "certs"));
            Membership = new MembershipStore(Files.Membership);
            Member = new MemberJoiner(_machine.Authority, Membership, new CaClient(new HttpClient(Hellos)), new EmptyServiceDirectory(), Files, _machine.Options, _machine.Time, new RecordingLogger());
        }

        public HelloRecorder Hellos { get; }

        public MemberFiles Files { get; }

        public MembershipStore Membership { get; }

        public MemberJoiner Member { get; }

        public async ValueTask DisposeAsync()
        {
            Member.Dispose();
            await _machine.DisposeAsync();
        }
    }

    /// <summary>Counts the hellos that pass and, after the first <see cref="RenewAfter"/> of them, has the CA renew its own certificate before the joiner sees the answer.</summary>
    private sealed class HelloRecorder(EnrollmentApiHost ca) : DelegatingHandler
    {
        public int RenewAfter { get; set; }

        public int Count { get; private set; }

        public int Renewals { get; private set; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Headers.Add(EnrollmentApiHost.RemoteHeader, "127.0.0.1");
            var response = await base.SendAsync(request, cancellationToken);
            if (request.RequestUri!.AbsolutePath.EndsWith("/hello", StringComparison.Ordinal) && ++Count <= RenewAfter)
            {
                await ca.Ca.Renewals.RenewOwnAsync(null, cancellationToken);
                Renewals++;
            }

            return response;
        }
    }
}
