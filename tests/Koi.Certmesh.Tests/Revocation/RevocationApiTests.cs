using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Koi.Certmesh.Authority;
using Koi.Certmesh.Crypto;
using Koi.Certmesh.Enrollment;
using Koi.Certmesh.Membership;
using Koi.Certmesh.Revocation;
using Koi.Certmesh.Roster;
using Koi.Certmesh.Tests.Enrollment;
using Koi.Core.Status;
using Koi.Core.Storage;
using Koi.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Logging.Abstractions;

namespace Koi.Certmesh.Tests.Revocation;

/// <summary>The CA's revocation routes over HTTP, and a member following them with the real client and verifier.</summary>
public sealed class RevocationApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task GetCrl_FromLan_DerByDefault_PemOnAskingAndSameList()
    {
        await using var host = await EnrollmentApiHost.StartAsync();
        await host.CreateAsync(TrustProfile.Personal);
        var lan = host.Client("10.77.0.12");

        using var der = await lan.GetAsync("/v1/certmesh/crl", Ct);
        using var pemByQuery = await lan.GetAsync("/v1/certmesh/crl?format=pem", Ct);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/certmesh/crl");
        request.Headers.Accept.ParseAdd("application/x-pem-file");
        using var pemByAccept = await lan.SendAsync(request, Ct);
        using var bad = await lan.GetAsync("/v1/certmesh/crl?format=xml", Ct);

        Assert.Equal(HttpStatusCode.OK, der.StatusCode);
        Assert.Equal("application/pkix-crl", der.Content.Headers.ContentType!.MediaType);
        var bytes = await der.Content.ReadAsByteArrayAsync(Ct);
        var pem = await pemByQuery.Content.ReadAsStringAsync(Ct);
        Assert.Equal(bytes, RevocationListSigner.FromPem(pem));
        Assert.Equal(pem, await pemByAccept.Content.ReadAsStringAsync(Ct));
        Assert.Equal(pem, await File.ReadAllTextAsync(Path.Combine(host.DataDir, "certmesh", "crl.pem"), Ct));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    [Fact]
    public async Task PostRevoke_Unlocked_AnswersSerialsAndBundleSequence_Locked_AnswersWhyNotYet()
    {
        await using var host = await EnrollmentApiHost.StartAsync();
        var secret = await host.CreateAsync(TrustProfile.Personal);
        await JoinAsync(host, secret, "stone-b", "10.77.0.12");
        await JoinAsync(host, secret, "stone-c", "10.77.0.13");
        var local = host.Client("127.0.0.1");

        var unlocked = await (await local.PostAsJsonAsync("/v1/certmesh/revoke", new RevokeRequest("stone-b", null), CertmeshTestJson.Options, Ct)).Content.ReadFromJsonAsync<JsonElement>(CertmeshTestJson.Options, Ct);
        await host.Ca.LockAsync(Ct);
        var locked = await (await local.PostAsJsonAsync("/v1/certmesh/revoke", new RevokeRequest("stone-c", null), CertmeshTestJson.Options, Ct)).Content.ReadFromJsonAsync<JsonElement>(CertmeshTestJson.Options, Ct);

        // 1 at create, 2 at the first own-certificate tick (stone-b's join moved the signed audit head), 3 the revocation.
        Assert.Equal(3, unlocked.GetProperty("bundle_sequence").GetInt64());
        Assert.Equal(host.Ca.Roster.Current!.Members.Single(m => m.Hostname == "stone-b").CertSerial, unlocked.GetProperty("serials")[0].GetString());
        Assert.False(unlocked.TryGetProperty("note", out _));
        Assert.False(locked.TryGetProperty("bundle_sequence", out _));
        Assert.Contains("locked", locked.GetProperty("note").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Follower_RevokedMember_LearnsItIsRevoked_OlderBundleReplayedIsRejectedAndAudited()
    {
        await using var host = await EnrollmentApiHost.StartAsync();
        var secret = await host.CreateAsync(TrustProfile.Personal);
        var issued = await JoinAsync(host, secret, "stone-b", "10.77.0.12");
        var fingerprint = host.Ca.Roster.Current!.Metadata.CaFingerprint;
        using var member = new TempDirectory();
        var files = new MemberFiles(member.Combine("certmesh"), member.Combine("certs"));
        Directory.CreateDirectory(member.Combine("certmesh"));
        Directory.CreateDirectory(files.CertPath("stone-b"));
        await File.WriteAllTextAsync(Path.Combine(files.CertPath("stone-b"), "cert.pem"), issued.GetProperty("service_cert").GetString(), Ct);
        var store = new TrustBundleStore(member.Combine("certmesh", "trust-bundle.json"), member.Combine("certmesh", "crl.pem"));
        var status = new StatusRegistry(host.Time);
        var relay = new ReplayingHandler(host.App.GetTestServer().CreateHandler());
        var follower = new BundleFollower(store, new CaClient(new HttpClient(relay)), files, status, host.Time, NullLogger.Instance);
        var membership = Membership("stone-b", fingerprint);

        var before = await follower.RefreshAsync(membership, Ct);
        var oldBundle = relay.Last!;
        (await host.Client("127.0.0.1").PostAsJsonAsync("/v1/certmesh/revoke", new RevokeRequest("stone-b", "stolen"), CertmeshTestJson.Options, Ct)).EnsureSuccessStatusCode();
        var after = await follower.RefreshAsync(membership, Ct);
        relay.Replay = oldBundle;
        var replayed = await follower.RefreshAsync(membership, Ct);

        // 1 at create, 2 at the first own-certificate tick (the join moved the signed audit head), 3 the revocation.
        Assert.False(before.Revoked);
        Assert.Equal(2, before.Sequence);
        Assert.True(after.Revoked, $"sequence {after.Sequence}, problem {after.Problem}");
        Assert.Equal(3, after.Sequence);
        Assert.Equal("failed", Component(status).State.ToString().ToLowerInvariant());
        Assert.Contains("revoked", Component(status).Reason, StringComparison.Ordinal);
        Assert.True(replayed.Revoked);
        Assert.Equal(3, replayed.Sequence);
        Assert.Contains("older", replayed.Problem, StringComparison.Ordinal);
        Assert.Contains("trust_bundle_rejected", File.ReadAllLines(files.MemberAuditLog)[^1], StringComparison.Ordinal);
        Assert.Contains("reason=older", File.ReadAllLines(files.MemberAuditLog)[^1], StringComparison.Ordinal);
        Assert.True(store.Current.IsRevoked(X509Certificate2.CreateFromPem(issued.GetProperty("service_cert").GetString())));
    }

    private static ComponentSnapshot Component(StatusRegistry status) => status.Snapshot("certmesh").Single(c => c.Name == "certmesh/trust_bundle");

    internal static MembershipDocument Membership(string hostname, string fingerprint) => new()
    {
        Hostname = hostname,
        CaEndpoint = "http://localhost",
        CaHostname = "stone-a",
        PinnedCaFingerprint = fingerprint,
        Profile = "just-me",
        RequiresApproval = false,
        JoinedAt = DateTimeOffset.UtcNow,
        CertPath = "certs/" + hostname,
        Sans = [],
        CertExpires = DateTimeOffset.UtcNow.AddDays(30),
    };

    internal static async Task<JsonElement> JoinAsync(EnrollmentApiHost host, byte[] secret, string hostname, string from)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var response = await host.Client(from).PostAsJsonAsync("/v1/certmesh/mesh/join", new JoinRequest(hostname, JoinKit.Csr(key, hostname), Totp.Code(secret, host.Time.GetUtcNow()), []), CertmeshTestJson.Options, Ct);
        response.EnsureSuccessStatusCode();
        host.Time.Advance(TimeSpan.FromSeconds(Totp.StepSeconds));
        return await response.Content.ReadFromJsonAsync<JsonElement>(CertmeshTestJson.Options, Ct);
    }

    /// <summary>Passes requests to the CA; remembers the last bundle body, or answers with an old one (a replay on the path).</summary>
    private sealed class ReplayingHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        public byte[]? Last { get; private set; }

        public byte[]? Replay { get; set; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (Replay is { } old)
            {
                return new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(old) };
            }

            var response = await base.SendAsync(request, cancellationToken);
            Last = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            return new HttpResponseMessage(response.StatusCode) { Content = new ByteArrayContent(Last) };
        }
    }
}
