using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Koi.Scenarios.Fixtures;
using Koi.Scenarios.Harness;

namespace Koi.Scenarios.Scenarios;

/// <summary>
/// Joining a mesh across machines (issue 6): by mDNS and by endpoint with oathtool codes, the key never on the wire,
/// replay, lockout across a restart, closed and timed windows, revocation, LAN-only routes, a rogue CA and a
/// MITM at the CA's address, and the team profile's approval. Each story reads as operators would live it.
/// </summary>
public sealed partial class EnrollmentScenarios(EnrollmentFixture fixture) : LabScenarios<EnrollmentFixture>(fixture)
{
    private const string A = EnrollmentFixture.Ca;
    private const string B = EnrollmentFixture.ByMdns;
    private const string C = EnrollmentFixture.ByEndpoint;
    private const string D = EnrollmentFixture.Rogue;
    private const string E = EnrollmentFixture.TeamCa;
    private const string F = EnrollmentFixture.Newcomer;

    /// <summary>The CA's TLS mesh plane, where joins go (docs/certmesh.md "Mesh plane": the enrollment port + 2).</summary>
    private const int MeshPort = KoiDaemon.HttpPort + 2;

    private readonly Dictionary<string, string> _lastCode = new(StringComparer.Ordinal);

    private readonly Dictionary<string, string> _caPem = new(StringComparer.Ordinal);

    [Fact(Timeout = 600_000)]
    public async Task JoinReplayLockoutRevokeWindowsAndPinning_AsOperatorsWould()
    {
        var (fingerprint, secret) = await CreateCaAsync(A, "just-me");
        var endpointA = $"http://{Lab.AddressOf(A)}:{KoiDaemon.HttpPort}";

        // C first tries the raw API on the CA's plain HTTP port: refused with the TLS address to use, audited, and
        // the code is not looked at — so the same code then joins C over TLS.
        var codeC = await FreshCodeAsync(A, secret);
        var plain = await RawJoinOverHttpAsync(C, A, C, codeC);
        Assert.Equal(403, plain.Status);
        Assert.Contains("tls_required", plain.Body, StringComparison.Ordinal);
        Assert.Contains($"https://{Lab.AddressOf(A)}:{MeshPort}/v1/certmesh/mesh/join", plain.Body, StringComparison.Ordinal);
        Assert.Contains("join_refused reason=plain_http", (await Koi(A, "certmesh", "log")).EnsureSuccess().Stdout, StringComparison.Ordinal);

        // C joins by explicit endpoint.
        var joinC = await Koi(C, "certmesh", "join", endpointA, "--code", codeC, "--json");
        var joinedC = Json(joinC.EnsureSuccess().Stdout);
        Assert.Equal("enrolled", joinedC.GetProperty("status").GetString());
        Assert.Equal(C, joinedC.GetProperty("hostname").GetString());
        Assert.Equal(fingerprint, joinedC.GetProperty("ca_fingerprint").GetString());
        Assert.Equal("trust_on_first_use", joinedC.GetProperty("fingerprint_trust").GetString());
        await AssertMemberFilesAsync(C, fingerprint);

        // An eavesdropper replays C's code at once: refused, with the reason, and it does not count as a failure.
        var replay = await RawJoinAsync(D, A, "stone-x", codeC);
        Assert.Equal(401, replay.Status);
        Assert.Contains("already used", replay.Body, StringComparison.Ordinal);

        // Three bad codes from C's address, then C is refused even with a good code; the lockout survives a restart.
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(401, (await RawJoinAsync(C, A, "stone-c2", WrongCode(await CodeAsync(A, secret)))).Status);
        }

        var locked = await RawJoinAsync(C, A, "stone-c2", await CodeAsync(A, secret));
        Assert.Equal(429, locked.Status);
        Assert.Contains("rate_limited", locked.Body, StringComparison.Ordinal);

        // F floods the CA with wrong codes (40 requests, bounded): 3 count, then F is locked out — and that is all a
        // single source can do. Enrollment stays open and unthrottled, so B still joins right after with a good code.
        var flood = await FloodWrongCodesAsync(F, A, WrongCode(await CodeAsync(A, secret)), 40);
        Assert.Equal(new[] { 401, 401, 401 }, flood[..3]);
        Assert.All(flood[3..], status => Assert.Equal(429, status));
        var statusAfterFlood = Json((await Koi(A, "certmesh", "status", "--json")).EnsureSuccess().Stdout);
        Assert.Equal("open", statusAfterFlood.GetProperty("enrollment_state").GetString());
        Assert.DoesNotContain("throttled", statusAfterFlood.GetProperty("warnings").ToString(), StringComparison.Ordinal);

        // B, another source, still enrolls: found over mDNS, while its traffic to the CA (the HTTP port and the TLS
        // mesh plane the join goes to) is captured on the CA.
        var pcap = Path.Combine(Lab.LogsDirectory, A, "join-b.pcap");
        var capture = await Lab.StartBackgroundAsync(A, "tcpdump", ["tcpdump", "-i", "eth0", "-U", "-s", "0", "-w", pcap, "tcp", "port", $"{KoiDaemon.HttpPort}", "or", "tcp", "port", $"{MeshPort}"], Ct);
        await Task.Delay(TimeSpan.FromSeconds(1), Ct);
        var codeB = await FreshCodeAsync(A, secret);
        var joinB = await Koi(B, "certmesh", "join", "--code", codeB);
        Assert.Contains("Found CA:", joinB.EnsureSuccess().Stdout, StringComparison.Ordinal);
        Assert.Contains($"Enrolled as: {B}", joinB.Stdout, StringComparison.Ordinal);
        Assert.Contains(fingerprint, joinB.Stdout, StringComparison.Ordinal);
        Assert.Contains("Trust on first use", joinB.Stdout, StringComparison.Ordinal);
        await Task.Delay(TimeSpan.FromSeconds(1), Ct);
        await Lab.StopAsync(capture, Ct);
        await AssertMemberFilesAsync(B, fingerprint);
        var wire = Encoding.Latin1.GetString(await File.ReadAllBytesAsync(pcap, Ct));
        var keyB = (await Lab.RunAsync(B, ["cat", $"{KoiDaemon.DataDir}/certs/{B}/key.pem"], Ct)).EnsureSuccess().Stdout;

        // The hello crossed in clear (public facts), the join went to the TLS plane: no code, no CSR, no key in clear.
        Assert.Contains("\"ca_fingerprint\"", wire, StringComparison.Ordinal);
        var tls = (await Lab.RunAsync(A, ["tcpdump", "-nn", "-r", pcap, "tcp", "dst", "port", $"{MeshPort}", "and", "src", "host", Lab.AddressOf(B)], Ct)).EnsureSuccess().Stdout;
        Assert.NotEmpty(tls.Trim());
        Assert.DoesNotContain("totp_code", wire, StringComparison.Ordinal);
        Assert.DoesNotContain(codeB, wire, StringComparison.Ordinal);
        Assert.DoesNotContain("CERTIFICATE REQUEST", wire, StringComparison.Ordinal);
        Assert.DoesNotContain("PRIVATE KEY", wire, StringComparison.Ordinal);
        foreach (var line in keyB.Split('\n').Where(l => l.Length > 20 && !l.StartsWith("-----", StringComparison.Ordinal)))
        {
            Assert.DoesNotContain(line, wire, StringComparison.Ordinal);
        }

        // Restart the CA: it comes back locked, and once unlocked C is still locked out.
        await RestartDaemonAsync(A);
        Assert.Equal(503, (await RawJoinAsync(C, A, "stone-c2", await CodeAsync(A, secret))).Status);
        (await Koi(A, "certmesh", "unlock", "--passphrase-file", EnrollmentFixture.PassphraseFile)).EnsureSuccess();
        Assert.Equal(429, (await RawJoinAsync(C, A, "stone-c2", await CodeAsync(A, secret))).Status);

        // The management API is loopback-only: from B only the LAN routes answer.
        Assert.Equal("403", (await Lab.RunAsync(B, ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", $"{endpointA}/v1/certmesh/roster"], Ct)).Stdout.Trim());
        Assert.Equal("403", (await Lab.RunAsync(B, ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", "-H", "content-type: application/json", "-d", "{}", $"{endpointA}/v1/certmesh/open-enrollment"], Ct)).Stdout.Trim());
        Assert.Equal("403", (await Lab.RunAsync(B, ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", $"{endpointA}/v1/status"], Ct)).Stdout.Trim());
        Assert.Equal("200", (await Lab.RunAsync(B, ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", $"{endpointA}/v1/certmesh/ca.pem"], Ct)).Stdout.Trim());

        // Revoked: C cannot come back.
        (await Koi(A, "certmesh", "revoke", C, "--reason", "lab: laptop stolen", "--yes")).EnsureSuccess();
        var revoked = await RawJoinAsync(D, A, C, await FreshCodeAsync(A, secret));
        Assert.Equal(403, revoked.Status);
        Assert.Contains("revoked", revoked.Body, StringComparison.Ordinal);

        // Closed enrollment, then a one-minute window that closes by itself.
        (await Koi(A, "certmesh", "close-enrollment")).EnsureSuccess();
        var closed = await RawJoinAsync(D, A, "stone-y", await CodeAsync(A, secret));
        Assert.Equal(403, closed.Status);
        Assert.Contains("enrollment_closed", closed.Body, StringComparison.Ordinal);
        (await Koi(A, "certmesh", "open-enrollment", "--duration", "1m")).EnsureSuccess();
        await Poll.UntilAsync(
            async () => Json((await Koi(A, "certmesh", "status", "--json")).EnsureSuccess().Stdout).GetProperty("enrollment_state").GetString() == "closed",
            TimeSpan.FromSeconds(90),
            "the one-minute enrollment window to close by itself",
            Ct);
        Assert.Equal(403, (await RawJoinAsync(D, A, "stone-y", await CodeAsync(A, secret))).Status);
        var log = (await Koi(A, "certmesh", "log", "--verify", "--json")).EnsureSuccess().Stdout;
        Assert.Contains("member_revoked", log, StringComparison.Ordinal);
        Assert.Contains("window_expired", log, StringComparison.Ordinal);

        // Joins, the revocation and the windows signed the log's head: it stands at the window's own close, and only
        // the refusal after it is unsigned. B, nudged after the revocation's bundle, keeps a head at least as far as
        // the revocation's line — cutting that line would show on B.
        var verification = Json(log).GetProperty("verification");
        var entries = Json(log).GetProperty("entries").EnumerateArray().ToList();
        var signedThrough = verification.GetProperty("signed_through").GetInt64();
        Assert.Equal("enrollment_closed", entries.Single(e => e.GetProperty("seq").GetInt64() == signedThrough).GetProperty("event").GetString());
        Assert.True(verification.GetProperty("unsigned_lines").GetInt64() > 0);
        Assert.Contains("written after it", (await Koi(A, "certmesh", "log", "--verify")).EnsureSuccess().Stdout, StringComparison.Ordinal);
        var revokedSeq = entries.Single(e => e.GetProperty("event").GetString() == "member_revoked").GetProperty("seq").GetInt64();
        await Poll.UntilAsync(
            async () => (await Lab.RunAsync(B, ["cat", $"{KoiDaemon.DataDir}/certmesh/audit-head-seen.json"], Ct)).Stdout is var seen
                && seen.Contains("\"seq\"", StringComparison.Ordinal) && Json(seen).GetProperty("seq").GetInt64() >= revokedSeq,
            TimeSpan.FromSeconds(30),
            "B to keep a signed audit head that covers the revocation's line",
            Ct);

        // D impersonates A's address with another CA: B's pin check raises the MITM alert, and clears once A is back.
        await EnsureCaAsync(D, "just-me");
        await MoveAddressAsync(from: A, to: D, Lab.AddressOf(A));
        var alert = await Koi(B, "certmesh", "verify-ca");
        Assert.Equal(1, alert.ExitCode);
        Assert.Contains("CA fingerprint changed — possible MITM", alert.Stderr, StringComparison.Ordinal);
        var statusB = await Koi(B, "certmesh", "status");
        Assert.Contains("possible MITM", statusB.EnsureSuccess().Stdout, StringComparison.Ordinal);
        Assert.Contains("ca_pin_mismatch", (await Lab.RunAsync(B, ["cat", $"{KoiDaemon.DataDir}/certmesh/member-audit.log"], Ct)).Stdout, StringComparison.Ordinal);
        await MoveAddressAsync(from: D, to: A, Lab.AddressOf(A));
        var back = await Koi(B, "certmesh", "verify-ca");
        Assert.Contains("verified", back.EnsureSuccess().Stdout, StringComparison.Ordinal);
    }

    [Fact(Timeout = 420_000)]
    public async Task RogueCaAndTeamApproval_AsOperatorsWould()
    {
        // Two CAs announce themselves (A's may also be up from the other story): the newcomer must choose, and
        // --fingerprint exposes the rogue one.
        try
        {
            await RogueCaAndTeamApprovalAsync();
        }
        finally
        {
            // The other story finds its CA over mDNS and expects it to be the only one announced.
            await Koi(D, "certmesh", "destroy", "--yes");
            await Koi(E, "certmesh", "destroy", "--yes");
        }
    }

    private async Task RogueCaAndTeamApprovalAsync()
    {
        var (rogueFingerprint, _) = await EnsureCaAsync(D, "just-me");
        var (teamFingerprint, teamSecret) = await CreateCaAsync(E, "team", "--operator", "lab-ops", "--domain", "lab.test");
        Assert.NotEqual(rogueFingerprint, teamFingerprint);
        await Poll.UntilAsync(
            async () => Json((await Lab.RunAsync(F, KoiDaemon.Curl("/v1/certmesh/cas", "-s"), Ct)).Stdout).GetProperty("cas").GetArrayLength() >= 2,
            TimeSpan.FromSeconds(30),
            "the newcomer to see both CAs over mDNS",
            Ct);
        var several = await Koi(F, "certmesh", "join", "--code", "000000");
        Assert.Equal(1, several.ExitCode);
        Assert.Contains("several CAs", several.Stderr, StringComparison.Ordinal);
        var rogue = await Koi(F, "certmesh", "join", $"http://{Lab.AddressOf(D)}:{KoiDaemon.HttpPort}", "--code", "000000", "--fingerprint", teamFingerprint);
        Assert.Equal(1, rogue.ExitCode);
        Assert.Contains("possible MITM", rogue.Stderr, StringComparison.Ordinal);
        Assert.False((await Lab.RunAsync(F, ["test", "-e", $"{KoiDaemon.DataDir}/certmesh/membership.json"], Ct)).Succeeded);

        // The team CA needs approval: a denied request fails the join, an approved one completes it.
        var endpointE = $"http://{Lab.AddressOf(E)}:{KoiDaemon.HttpPort}";
        var denied = await StartJoinAsync(F, endpointE, await FreshCodeAsync(E, teamSecret), teamFingerprint);
        await WaitForPendingAsync(E, F);
        var pending = (await Koi(E, "certmesh", "pending")).EnsureSuccess().Stdout;
        Assert.Contains(Lab.AddressOf(F), pending, StringComparison.Ordinal);
        (await Koi(E, "certmesh", "deny", F, "--reason", "lab: not yet")).EnsureSuccess();
        await Poll.UntilAsync(() => Task.FromResult(!denied.IsRunning), TimeSpan.FromSeconds(20), "the denied join to end", Ct);
        Assert.Contains("the operator denied this join", denied.ReadLog(), StringComparison.Ordinal);
        Assert.False((await Lab.RunAsync(F, ["test", "-e", $"{KoiDaemon.DataDir}/certmesh/membership.json"], Ct)).Succeeded);

        // This time the operator typed only the first 16 hex digits; the requesting key is shown on both sides.
        var approved = await StartJoinAsync(F, endpointE, await FreshCodeAsync(E, teamSecret), teamFingerprint[..16]);
        await WaitForPendingAsync(E, F);
        Assert.Contains("Waiting for approval", approved.ReadLog(), StringComparison.Ordinal);
        var keyF = Json((await Koi(E, "certmesh", "pending", "--json")).EnsureSuccess().Stdout).GetProperty("requests").EnumerateArray()
            .Single(r => r.GetProperty("hostname").GetString() == F).GetProperty("key_fingerprint").GetString()!;
        Assert.Matches("^[0-9a-f]{64}$", keyF);
        Assert.Contains($"This machine's key: {keyF}", approved.ReadLog(), StringComparison.Ordinal);
        (await Koi(E, "certmesh", "approve", F)).EnsureSuccess();
        await Poll.UntilAsync(() => Task.FromResult(!approved.IsRunning), TimeSpan.FromSeconds(20), "the approved join to finish", Ct);
        Assert.Contains($"Enrolled as: {F}", approved.ReadLog(), StringComparison.Ordinal);
        await AssertMemberFilesAsync(F, teamFingerprint);
        var roster = Json((await Koi(E, "certmesh", "roster", "--json")).EnsureSuccess().Stdout);
        var member = roster.GetProperty("members").EnumerateArray().Single(m => m.GetProperty("hostname").GetString() == F);
        Assert.Equal("member", member.GetProperty("role").GetString());
        Assert.Contains("approved_by=lab-ops", (await Koi(E, "certmesh", "log")).EnsureSuccess().Stdout, StringComparison.Ordinal);

        // The team CA's domain scope: a name outside lab.test is refused, and the refusal is audited.
        var outside = await RawJoinAsync(D, E, "stone-z.other.test", await FreshCodeAsync(E, teamSecret));
        Assert.Equal(403, outside.Status);
        Assert.Contains("out_of_scope", outside.Body, StringComparison.Ordinal);
        Assert.Contains("out_of_scope", (await Koi(E, "certmesh", "log")).EnsureSuccess().Stdout, StringComparison.Ordinal);
    }

    private async Task<(string Fingerprint, string Secret)> CreateCaAsync(string host, string profile, params string[] extra)
    {
        var create = await Koi(host, ["certmesh", "create", "--profile", profile, "--passphrase-file", EnrollmentFixture.PassphraseFile, "--json", .. extra]);
        var created = Json(create.EnsureSuccess().Stdout);
        var fingerprint = Find(created, "ca_fingerprint")!;
        var secret = SecretPattern().Match(Find(created, "totp_uri")!).Groups[1].Value;
        Assert.NotEmpty(secret);
        return (fingerprint, secret);
    }

    private async Task<(string Fingerprint, string? Secret)> EnsureCaAsync(string host, string profile)
    {
        var status = Json((await Koi(host, "certmesh", "status", "--json")).EnsureSuccess().Stdout);
        if (status.GetProperty("initialized").GetBoolean())
        {
            return (status.GetProperty("ca_fingerprint").GetString()!, null);
        }

        var (fingerprint, secret) = await CreateCaAsync(host, profile);
        return (fingerprint, secret);
    }

    private async Task<LabProcess> StartJoinAsync(string host, string endpoint, string code, string fingerprint) =>
        await Lab.StartBackgroundAsync(host, $"join-{Guid.NewGuid():N}", ["env", $"KOI_DATA_DIR={KoiDaemon.DataDir}", KoiDaemon.Binary, "certmesh", "join", endpoint, "--code", code, "--fingerprint", fingerprint], Ct);

    private Task WaitForPendingAsync(string ca, string joiner) =>
        Poll.UntilAsync(
            async () => Json((await Koi(ca, "certmesh", "pending", "--json")).EnsureSuccess().Stdout).GetProperty("requests").EnumerateArray()
                .Any(r => r.GetProperty("hostname").GetString() == joiner),
            TimeSpan.FromSeconds(30),
            $"{joiner}'s join request to wait on {ca}",
            Ct);

    /// <summary>The member's files: chain to the pinned CA, its own names and address, a private key.</summary>
    private async Task AssertMemberFilesAsync(string host, string fingerprint)
    {
        var certs = $"{KoiDaemon.DataDir}/certs/{host}";
        (await Lab.RunAsync(host, ["openssl", "verify", "-CAfile", $"{certs}/ca.pem", $"{certs}/cert.pem"], Ct)).EnsureSuccess();
        var caDer = (await Lab.RunAsync(host, ["sh", "-c", $"openssl x509 -in {certs}/ca.pem -outform DER | sha256sum | cut -d' ' -f1"], Ct)).EnsureSuccess().Stdout.Trim();
        Assert.Equal(fingerprint, caDer);
        var sans = (await Lab.RunAsync(host, ["openssl", "x509", "-in", $"{certs}/cert.pem", "-noout", "-ext", "subjectAltName"], Ct)).EnsureSuccess().Stdout;
        foreach (var san in new[] { $"DNS:{host}.local", $"DNS:{host}.lan", $"IP Address:{Lab.AddressOf(host)}" })
        {
            Assert.Contains(san, sans, StringComparison.Ordinal);
        }

        // Under the name-constrained root a bare single label cannot be certified (docs/security.md).
        Assert.DoesNotMatch($@"DNS:{host}(,|\s|$)", sans);

        Assert.Equal("600", (await Lab.RunAsync(host, ["stat", "-c", "%a", $"{certs}/key.pem"], Ct)).EnsureSuccess().Stdout.Trim());
        var member = Json((await Koi(host, "certmesh", "status", "--json")).EnsureSuccess().Stdout).GetProperty("member");
        Assert.Equal(fingerprint, member.GetProperty("pinned_ca_fingerprint").GetString());

        // The member trusts the CA through its own system store: curl needs no --cacert for a mesh certificate.
        var store = (await Lab.RunAsync(host, ["sh", "-c", $"openssl verify {certs}/cert.pem"], Ct)).EnsureSuccess();
        Assert.Contains("OK", store.Stdout, StringComparison.Ordinal);
    }

    private async Task RestartDaemonAsync(string host)
    {
        var running = Lab.Started.Last(p => p.Host == host && p.Name == "koi" && p.IsRunning);
        await Lab.StopAsync(running, Ct);
        await KoiDaemon.StartAsync(Lab, host, Ct);
    }

    /// <summary>Takes <paramref name="address"/> off one host and puts it on another, as an attacker on the LAN would.</summary>
    private async Task MoveAddressAsync(string from, string to, string address)
    {
        (await Lab.RunAsync(from, ["ip", "addr", "del", $"{address}/24", "dev", "eth0"], Ct)).EnsureSuccess();
        (await Lab.RunAsync(to, ["ip", "addr", "add", $"{address}/24", "dev", "eth0"], Ct)).EnsureSuccess();
        foreach (var host in EnrollmentFixture.Hosts)
        {
            await Lab.RunAsync(host, ["ip", "neigh", "flush", "all"], Ct);
        }
    }

    /// <summary>A raw join over TLS to <paramref name="ca"/>'s mesh plane, checking its certificate against the CA's.</summary>
    private async Task<(int Status, string Body)> RawJoinAsync(string from, string ca, string hostname, string code) =>
        await RunRawJoinAsync(from, [$"https://{Lab.AddressOf(ca)}:{MeshPort}", hostname, code, "--cafile", await CaPemAsync(ca)]);

    /// <summary>A raw join in clear to <paramref name="ca"/>'s HTTP port (which refuses it).</summary>
    private Task<(int Status, string Body)> RawJoinOverHttpAsync(string from, string ca, string hostname, string code) =>
        RunRawJoinAsync(from, [$"http://{Lab.AddressOf(ca)}:{KoiDaemon.HttpPort}", hostname, code]);

    private async Task<(int Status, string Body)> RunRawJoinAsync(string from, string[] arguments)
    {
        var result = (await Lab.RunAsync(from, ["python3", RepoPaths.RawJoin, .. arguments], Ct)).EnsureSuccess();
        var lines = result.Stdout.Split('\n', 2);
        return (int.Parse(lines[0].Trim(), System.Globalization.CultureInfo.InvariantCulture), lines.Length > 1 ? lines[1] : string.Empty);
    }

    /// <summary>
    /// The CA certificate of <paramref name="ca"/>, asked for on that host itself over loopback (the operator's own
    /// copy, not one a joiner fetched over the LAN) and checked against the fingerprint its status reports; a file the raw tools verify
    /// the mesh plane's certificate with.
    /// </summary>
    private async Task<string> CaPemAsync(string ca)
    {
        if (_caPem.TryGetValue(ca, out var known))
        {
            return known;
        }

        var pem = (await Lab.RunAsync(ca, ["curl", "-sf", "--max-time", "5", $"http://127.0.0.1:{KoiDaemon.HttpPort}/v1/certmesh/ca.pem"], Ct)).EnsureSuccess().Stdout;
        var fingerprint = Json((await Koi(ca, "certmesh", "status", "--json")).EnsureSuccess().Stdout).GetProperty("ca_fingerprint").GetString();
        using var certificate = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(pem);
        Assert.Equal(fingerprint, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(certificate.RawData)));
        var path = Path.Combine(Lab.LogsDirectory, ca, "ca.pem");
        await File.WriteAllTextAsync(path, pem, Ct);
        _caPem[ca] = path;
        return path;
    }

    /// <summary>
    /// <paramref name="count"/> joins with <paramref name="code"/> from one host over TLS to the mesh plane, as fast as curl goes (each bounded
    /// to 5 s); the HTTP statuses in order. The CSR is junk: a wrong code is refused before the request is read.
    /// </summary>
    private async Task<int[]> FloodWrongCodesAsync(string from, string ca, string code, int count)
    {
        var url = $"--cacert {await CaPemAsync(ca)} https://{Lab.AddressOf(ca)}:{MeshPort}/v1/certmesh/mesh/join";
        var body = $$"""{"hostname":"stone-x","csr":"junk","totp_code":"{{code}}"}""";
        var script = $"for i in $(seq 1 {count}); do curl -s --max-time 5 -o /dev/null -w '%{{http_code}}\n' -H 'content-type: application/json' -d '{body}' {url}; done";
        var output = (await Lab.RunAsync(from, ["sh", "-c", script], Ct)).EnsureSuccess().Stdout;
        return [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => int.Parse(l.Trim(), System.Globalization.CultureInfo.InvariantCulture))];
    }

    private async Task<string> CodeAsync(string ca, string secret) =>
        (await Lab.RunAsync(ca, ["oathtool", "--totp", "-b", secret], Ct)).EnsureSuccess().Stdout.Trim();

    /// <summary>A code from a time step not used yet against this CA: each code is accepted once.</summary>
    private async Task<string> FreshCodeAsync(string ca, string secret)
    {
        var code = await CodeAsync(ca, secret);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(40);
        while (_lastCode.TryGetValue(ca, out var last) && last == code && DateTime.UtcNow < deadline)
        {
            await Task.Delay(TimeSpan.FromSeconds(1), Ct);
            code = await CodeAsync(ca, secret);
        }

        _lastCode[ca] = code;
        return code;
    }

    private static string WrongCode(string right) => ((int.Parse(right, System.Globalization.CultureInfo.InvariantCulture) + 500_000) % 1_000_000).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);

    private Task<LabCommandResult> Koi(string host, params string[] arguments) => KoiDaemon.CliAsync(Lab, host, Ct, arguments);

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement;

    private static string? Find(JsonElement element, string name)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        foreach (var property in element.EnumerateObject())
        {
            if (property.NameEquals(name))
            {
                return property.Value.ToString();
            }

            if (Find(property.Value, name) is { } nested)
            {
                return nested;
            }
        }

        return null;
    }

    [GeneratedRegex("secret=([A-Z2-7]+)")]
    private static partial Regex SecretPattern();
}
