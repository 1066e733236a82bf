using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Koi.Certmesh.Crypto;
using Koi.Certmesh.Roster;
using Koi.Core.Capabilities;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Koi.Certmesh.Tests.Enrollment;

/// <summary>The HTTP contract of enrollment: routes, LAN marking, status codes, snake_case bodies, Retry-After.</summary>
public sealed class EnrollmentApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Routes_OnlyEnrollmentAndPublicRevocationRoutesAreLanEndpoints()
    {
        await using var host = await EnrollmentApiHost.StartAsync();

        var lan = host.App.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<LanEndpoint>() is not null)
            .Select(e => $"{e.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods[0]} {e.RoutePattern.RawText}")
            .Order(StringComparer.Ordinal);

        Assert.Equal(
            ["GET /v1/certmesh/bundle", "GET /v1/certmesh/ca.pem", "GET /v1/certmesh/crl", "GET /v1/certmesh/join/{requestId}", "POST /v1/certmesh/hello", "POST /v1/certmesh/join", "POST /v1/certmesh/member/nudge"],
            lan);
    }

    [Fact]
    public async Task PostJoin_JustMe_200SnakeCaseNoKeyAndEventPublished()
    {
        await using var host = await EnrollmentApiHost.StartAsync();
        var secret = await host.CreateAsync(TrustProfile.Personal);
        using var events = host.Events.Subscribe(null);

        var response = await host.Client("10.77.0.12").PostAsJsonAsync("/v1/certmesh/mesh/join", new
        {
            hostname = "stone-b",
            csr = JoinKit.Csr(),
            totp_code = Totp.Code(secret, host.Time.GetUtcNow()),
            addresses = new[] { "10.77.0.12", "fd77::12" },
        }, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.DoesNotContain("PRIVATE KEY", text);
        using var body = JsonDocument.Parse(text);
        var root = body.RootElement;
        Assert.Equal("stone-b", root.GetProperty("hostname").GetString());
        Assert.StartsWith("-----BEGIN CERTIFICATE-----", root.GetProperty("ca_cert").GetString());
        Assert.StartsWith("-----BEGIN CERTIFICATE-----", root.GetProperty("service_cert").GetString());
        Assert.Equal(host.Ca.Roster.Current!.Metadata.CaFingerprint, root.GetProperty("ca_fingerprint").GetString());
        Assert.Equal("certs/stone-b", root.GetProperty("cert_path").GetString());
        Assert.Equal(["stone-b.local", "stone-b.lan", "10.77.0.12"], root.GetProperty("sans").EnumerateArray().Select(e => e.GetString()));
        Assert.True(root.TryGetProperty("expires", out _));
        Assert.Equal("10.77.0.12", host.Ca.Roster.Current.Members.Single(m => m.Hostname == "stone-b").EnrolledFrom);

        using var wait = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        wait.CancelAfter(TimeSpan.FromSeconds(10));
        await foreach (var e in events.ReadAllAsync(wait.Token))
        {
            if (e.Kind == "member_joined")
            {
                Assert.Equal("certmesh", e.Capability);
                Assert.Contains("stone-b", JsonSerializer.Serialize(e.Data));
                break;
            }
        }
    }

    [Fact]
    public async Task PostJoin_ApprovalFlow_202PollApprove200()
    {
        await using var host = await EnrollmentApiHost.StartAsync();
        var secret = await host.CreateAsync(TrustProfile.Team);
        var lan = host.Client("10.77.0.12");

        var join = await lan.PostAsJsonAsync("/v1/certmesh/mesh/join", new { hostname = "stone-b", csr = JoinKit.Csr(), totp_code = Totp.Code(secret, host.Time.GetUtcNow()) }, Ct);
        Assert.Equal(HttpStatusCode.Accepted, join.StatusCode);
        using var pending = JsonDocument.Parse(await join.Content.ReadAsStringAsync(Ct));
        var id = pending.RootElement.GetProperty("request_id").GetString()!;
        Assert.Equal("pending", pending.RootElement.GetProperty("status").GetString());
        Assert.Equal("stone-b", pending.RootElement.GetProperty("hostname").GetString());

        Assert.Equal(HttpStatusCode.Accepted, (await lan.GetAsync($"/v1/certmesh/mesh/join/{id}", Ct)).StatusCode);
        var local = host.Client("127.0.0.1");
        using (var list = JsonDocument.Parse(await local.GetStringAsync("/v1/certmesh/pending", Ct)))
        {
            var request = Assert.Single(list.RootElement.GetProperty("requests").EnumerateArray().ToList());
            Assert.Equal(id, request.GetProperty("request_id").GetString());
            Assert.Equal("10.77.0.12", request.GetProperty("address").GetString());
            Assert.True(request.GetProperty("totp_valid").GetBoolean());
            Assert.True(request.GetProperty("in_scope").GetBoolean());
            Assert.True(request.TryGetProperty("requested_at", out _));
        }

        var approve = await local.PostAsJsonAsync("/v1/certmesh/approve", new { hostname = "stone-b", approved_by = "Alice" }, Ct);
        Assert.Equal(HttpStatusCode.OK, approve.StatusCode);
        Assert.Contains("\"approved_by\":\"Alice\"", await approve.Content.ReadAsStringAsync(Ct));

        var done = await lan.GetAsync($"/v1/certmesh/mesh/join/{id}", Ct);
        Assert.Equal(HttpStatusCode.OK, done.StatusCode);
        Assert.Contains("\"service_cert\":\"-----BEGIN CERTIFICATE-----", await done.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task PostDeny_PollAnswers403JoinDenied_UnknownId404()
    {
        await using var host = await EnrollmentApiHost.StartAsync();
        var secret = await host.CreateAsync(TrustProfile.Team);
        var lan = host.Client("10.77.0.12");
        var join = await lan.PostAsJsonAsync("/v1/certmesh/mesh/join", new { hostname = "stone-b", csr = JoinKit.Csr(), totp_code = Totp.Code(secret, host.Time.GetUtcNow()) }, Ct);
        using var pending = JsonDocument.Parse(await join.Content.ReadAsStringAsync(Ct));
        var id = pending.RootElement.GetProperty("request_id").GetString()!;

        var deny = await host.Client("127.0.0.1").PostAsJsonAsync("/v1/certmesh/deny", new { hostname = "stone-b", reason = "unknown machine" }, Ct);
        Assert.Equal(HttpStatusCode.OK, deny.StatusCode);

        var poll = await lan.GetAsync($"/v1/certmesh/mesh/join/{id}", Ct);
        Assert.Equal(HttpStatusCode.Forbidden, poll.StatusCode);
        Assert.Contains("\"error\":\"join_denied\"", await poll.Content.ReadAsStringAsync(Ct));
        var unknown = await lan.GetAsync("/v1/certmesh/mesh/join/AAAAAAAAAAAAAAAAAAAAAA", Ct);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("\"error\":\"not_found\"", await unknown.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task PostJoin_LockedOutSource_429WithRetryAfter()
    {
        await using var host = await EnrollmentApiHost.StartAsync();
        var secret = await host.CreateAsync(TrustProfile.Personal);
        var lan = host.Client("10.77.0.13");
        var right = Totp.Code(secret, host.Time.GetUtcNow());
        var wrong = right == "000000" ? "000001" : "000000";
        for (var i = 0; i < 3; i++)
        {
            var bad = await lan.PostAsJsonAsync("/v1/certmesh/mesh/join", new { hostname = "stone-c", csr = JoinKit.Csr(), totp_code = wrong }, Ct);
            Assert.Equal(HttpStatusCode.Unauthorized, bad.StatusCode);
            Assert.Contains("\"error\":\"invalid_totp\"", await bad.Content.ReadAsStringAsync(Ct));
        }

        var locked = await lan.PostAsJsonAsync("/v1/certmesh/mesh/join", new { hostname = "stone-c", csr = JoinKit.Csr(), totp_code = right }, Ct);

        Assert.Equal((HttpStatusCode)429, locked.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(300), locked.Headers.RetryAfter!.Delta);
        Assert.Contains("\"error\":\"rate_limited\"", await locked.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task PostJoin_PlainHttpPort_403TlsRequiredNamingTheMeshPlaneAuditedAndTheCodeStaysUnspent()
    {
        await using var host = await EnrollmentApiHost.StartAsync();
        var secret = await host.CreateAsync(TrustProfile.Personal);
        host.Ca.Context.MeshPort = 5643;
        var lan = host.Client("10.77.0.12");
        var right = Totp.Code(secret, host.Time.GetUtcNow());
        var wrong = right == "000000" ? "000001" : "000000";

        // Three wrong codes would lock this source out if they were looked at; the right one would be spent.
        foreach (var code in new[] { wrong, wrong, wrong, right })
        {
            var refused = await lan.PostAsJsonAsync("/v1/certmesh/join", new { hostname = "stone-b", csr = JoinKit.Csr(), totp_code = code }, Ct);
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            var text = await refused.Content.ReadAsStringAsync(Ct);
            Assert.Contains("\"error\":\"tls_required\"", text);
            Assert.Contains("https://localhost:5643/v1/certmesh/mesh/join", text);
        }

        var poll = await lan.GetAsync("/v1/certmesh/join/AAAAAAAAAAAAAAAAAAAAAA", Ct);
        Assert.Equal(HttpStatusCode.Forbidden, poll.StatusCode);
        Assert.Contains("\"error\":\"tls_required\"", await poll.Content.ReadAsStringAsync(Ct));
        Assert.Contains("join_refused reason=plain_http from=10.77.0.12", File.ReadAllLines(host.Ca.Context.Files.AuditLog)[^1]);
        Assert.DoesNotContain(host.Ca.Roster.Current!.Members, m => m.Hostname == "stone-b");

        var joined = await lan.PostAsJsonAsync("/v1/certmesh/mesh/join", new { hostname = "stone-b", csr = JoinKit.Csr(), totp_code = right }, Ct);

        Assert.Equal(HttpStatusCode.OK, joined.StatusCode);
    }

    [Fact]
    public async Task PostJoin_EmptyBody_401InvalidTotpNot500()
    {
        await using var host = await EnrollmentApiHost.StartAsync();
        await host.CreateAsync(TrustProfile.Personal);

        var response = await host.Client("10.77.0.12").PostAsJsonAsync("/v1/certmesh/mesh/join", new { }, Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task PostHello_200PublicSubsetAndSignature()
    {
        await using var host = await EnrollmentApiHost.StartAsync();
        await host.CreateAsync(TrustProfile.Team);

        var response = await host.Client("10.77.0.12").PostAsJsonAsync("/v1/certmesh/hello", new { nonce = "abcdefghijklmnop0123456789" }, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.DoesNotContain("PRIVATE KEY", text);
        using var body = JsonDocument.Parse(text);
        string[] fields = ["hostname", "ca_fingerprint", "profile", "enrollment", "enrollment_closes_at", "requires_approval", "ca_cert", "service_cert", "signature", "ca_time"];

        // mesh_port is there only while the mesh plane listens (this host runs none).
        Assert.Equal(fields.Order(StringComparer.Ordinal), body.RootElement.EnumerateObject().Select(p => p.Name).Where(n => n != "mesh_port").Order(StringComparer.Ordinal));
        Assert.Equal("team", body.RootElement.GetProperty("profile").GetString());
        Assert.Equal(JsonValueKind.Null, body.RootElement.GetProperty("enrollment_closes_at").ValueKind);
    }

    [Fact]
    public async Task PostHello_NoCa_503()
    {
        await using var host = await EnrollmentApiHost.StartAsync();

        var response = await host.Client("10.77.0.12").PostAsJsonAsync("/v1/certmesh/hello", new { nonce = "abcdefghijklmnop0123456789" }, Ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("\"error\":\"ca_not_initialized\"", await response.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task PostRevoke_200EntryWithRevokedBy()
    {
        await using var host = await EnrollmentApiHost.StartAsync();
        var secret = await host.CreateAsync(TrustProfile.Personal);
        await host.Client("10.77.0.12").PostAsJsonAsync("/v1/certmesh/mesh/join", new { hostname = "stone-b", csr = JoinKit.Csr(), totp_code = Totp.Code(secret, host.Time.GetUtcNow()) }, Ct);

        var response = await host.Client("127.0.0.1").PostAsJsonAsync("/v1/certmesh/revoke", new { hostname = "stone-b", reason = "retired" }, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal("stone-b", body.RootElement.GetProperty("hostname").GetString());
        Assert.Equal("self", body.RootElement.GetProperty("revoked_by").GetString());
        Assert.Equal("retired", body.RootElement.GetProperty("reason").GetString());
        Assert.True(body.RootElement.TryGetProperty("revoked_at", out _));
    }
}
