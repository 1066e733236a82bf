using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Koi.Certmesh.Issuing;
using Koi.Certmesh.MeshPlane;
using Koi.Certmesh.Roster;
using Koi.Core.Status;
using Koi.Core.Storage;

namespace Koi.Certmesh.Tests.MeshPlane;

public sealed class MeshPlaneTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Start_CaExists_RunningOnItsOwnPortWithTheCaHostsCertificate()
    {
        await using var kit = await MeshKit.StartAsync();
        using var http = kit.PlaneClient(null);

        // No client certificate: the handshake succeeds (the certificate is optional) but member routes refuse.
        var response = await http.PostAsJsonAsync("/v1/certmesh/mesh/heartbeat", new HeartbeatRequest(null, null, null), CertmeshTestJson.Options, Ct);

        Assert.Equal(ComponentState.Running, kit.PlaneHealth().State);
        Assert.NotEqual(kit.Join.H.Options.AnnouncePort, kit.Plane.Port);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(kit.Plane.Port, kit.Join.Ca.Context.MeshPort);
    }

    [Fact]
    public async Task Renew_MemberCertificate_NewCertificateForTheNewKeySameNamesRosterUpdatedAudited()
    {
        await using var kit = await MeshKit.StartAsync();
        using var current = kit.MemberCertificate();
        var before = kit.RosterEntry();
        using var http = kit.PlaneClient(current);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var csr = new CertificateRequest("CN=whoever", key, HashAlgorithmName.SHA256).CreateSigningRequestPem();

        var response = await http.PostAsJsonAsync("/v1/certmesh/mesh/renew", new RenewRequest(csr), CertmeshTestJson.Options, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var renewed = (await response.Content.ReadFromJsonAsync<RenewResponse>(CertmeshTestJson.Options, Ct))!;
        using var cert = X509Certificate2.CreateFromPem(renewed.ServiceCert);
        Assert.Equal("stone-b", cert.GetNameInfo(X509NameType.SimpleName, false));
        Assert.NotEqual(current.SerialNumber, cert.SerialNumber);
        Assert.Equal(key.ExportSubjectPublicKeyInfo(), cert.GetECDsaPublicKey()!.ExportSubjectPublicKeyInfo());
        Assert.Equal(before.CertSans, renewed.Sans);
        var after = kit.RosterEntry();
        Assert.Equal(CertificateAuthorityFactory.Fingerprint(cert), after.CertFingerprint);
        Assert.NotEqual(before.CertFingerprint, after.CertFingerprint);
        Assert.Contains("cert_renewed", kit.Join.LastAudit(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Renew_CaLocked_503CaLockedAndRosterUnchanged()
    {
        await using var kit = await MeshKit.StartAsync();
        await kit.Join.Ca.LockAsync(Ct);
        using var current = kit.MemberCertificate();
        using var http = kit.PlaneClient(current);
        var before = kit.RosterEntry().CertFingerprint;

        var response = await http.PostAsJsonAsync("/v1/certmesh/mesh/renew", new RenewRequest(JoinKitCsr()), CertmeshTestJson.Options, Ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("ca_locked", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Equal(before, kit.RosterEntry().CertFingerprint);
    }

    [Fact]
    public async Task Handshake_RevokedMember_RefusedAtTheHandshakeAndAudited()
    {
        await using var kit = await MeshKit.StartAsync();
        await kit.Join.Ca.RevokeAsync("stone-b", "lost laptop", Ct);
        using var current = kit.MemberCertificate();
        using var http = kit.PlaneClient(current);

        var error = await Assert.ThrowsAsync<HttpRequestException>(() =>
            http.PostAsJsonAsync("/v1/certmesh/mesh/heartbeat", new HeartbeatRequest(null, null, null), CertmeshTestJson.Options, Ct));

        Assert.NotNull(error);
        Assert.Contains(kit.Join.AuditLines(), l => l.Contains("mesh_handshake_refused", StringComparison.Ordinal) && l.Contains("reason=revoked", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Handshake_CertificateOfAnotherCa_Refused()
    {
        await using var kit = await MeshKit.StartAsync();
        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var stranger = new CertificateRequest("CN=stone-b", otherKey, HashAlgorithmName.SHA256)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        using var http = kit.PlaneClient(stranger);

        await Assert.ThrowsAsync<HttpRequestException>(() =>
            http.PostAsJsonAsync("/v1/certmesh/mesh/heartbeat", new HeartbeatRequest(null, null, null), CertmeshTestJson.Options, Ct));

        Assert.Contains("mesh_handshake_refused subject=stone-b", string.Join("\n", kit.Join.AuditLines()), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Heartbeat_Member_LastSeenAndHookRecordedPolicyAndClockAnswered()
    {
        await using var kit = await MeshKit.StartAsync();
        kit.Join.H.Time.Advance(TimeSpan.FromMinutes(3));
        using var current = kit.MemberCertificate();
        using var http = kit.PlaneClient(current);

        var response = await http.PostAsJsonAsync("/v1/certmesh/mesh/heartbeat", new HeartbeatRequest("systemctl reload nginx", "ok", null), CertmeshTestJson.Options, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = (await response.Content.ReadFromJsonAsync<HeartbeatResponse>(CertmeshTestJson.Options, Ct))!;
        Assert.Equal(kit.Join.H.Time.GetUtcNow(), answer.CaTime);
        Assert.Equal((long)TimeSpan.FromDays(30).TotalSeconds, answer.Policy.LifetimeSecs);
        var entry = kit.RosterEntry();
        Assert.Equal(kit.Join.H.Time.GetUtcNow(), entry.LastSeen);
        Assert.Equal("systemctl reload nginx", entry.ReloadHook);
    }

    [Fact]
    public async Task Heartbeat_HookWithControlCharacters_400AndNothingRecorded()
    {
        await using var kit = await MeshKit.StartAsync();
        using var current = kit.MemberCertificate();
        using var http = kit.PlaneClient(current);

        var response = await http.PostAsJsonAsync("/v1/certmesh/mesh/heartbeat", new HeartbeatRequest("reload\nrm -rf /", null, null), CertmeshTestJson.Options, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(kit.RosterEntry().ReloadHook);
    }

    [Fact]
    public async Task Destroy_CaGone_PlaneStopsListening()
    {
        await using var kit = await MeshKit.StartAsync();
        var port = kit.Plane.Port!.Value;

        await kit.Join.Ca.DestroyAsync(Ct);

        await Poll(() => kit.Plane.Port is null);
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        await Assert.ThrowsAnyAsync<System.Net.Sockets.SocketException>(async () => await socket.ConnectAsync(IPAddress.Loopback, port, Ct));
    }

    private static string JoinKitCsr() => Koi.Certmesh.Tests.Enrollment.JoinKit.Csr("stone-b");

    private static async Task Poll(Func<bool> condition)
    {
        for (var i = 0; i < 100 && !condition(); i++)
        {
            await Task.Delay(50, Ct);
        }

        Assert.True(condition());
    }
}
