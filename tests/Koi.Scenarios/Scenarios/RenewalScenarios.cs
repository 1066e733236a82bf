using System.Text.Json;
using System.Text.RegularExpressions;
using Koi.Scenarios.Fixtures;
using Koi.Scenarios.Harness;

namespace Koi.Scenarios.Scenarios;

/// <summary>
/// Certificates that renew themselves (issue 15): with 3-minute certificates two members renew several times in a
/// row over the CA's mTLS plane, serials change, a reload hook runs after each renewal and a failing one shows
/// degraded; the CA host's own certificate renews too (running its own hook) and the members' checks stay green. Then
/// the CA stops past a member's renew point: the member warns in <c>koi status</c> and <c>koi certmesh status</c>, and
/// renews once the CA is back; and a locked CA whose own certificate expired is judged "expired", never "MITM".
/// </summary>
public sealed partial class RenewalScenarios(RenewalFixture fixture) : LabScenarios<RenewalFixture>(fixture)
{
    private const string A = RenewalFixture.Ca;
    private const string B = RenewalFixture.HookedMember;
    private const string C = RenewalFixture.FailingHookMember;
    // Lab hosts share /tmp: one marker per host, so one host's hook can never pass for another's.
    private static string Marker(string host) => $"/tmp/koi-reloaded-{host}";
    private const int BigBytes = 200 * 1024 * 1024;

    [Fact(Timeout = 1_200_000)]
    public async Task ShortLifetimes_MembersAndCaHostRenewRepeatedly_HooksRunFailingHookDegraded()
    {
        var create = await Koi(A, "certmesh", "create", "--profile", "just-me", "--passphrase-file", RenewalFixture.PassphraseFile, "--json");
        var created = JsonDocument.Parse(create.EnsureSuccess().Stdout).RootElement;
        var secret = SecretPattern().Match(created.GetProperty("totp_uri").GetString()!).Groups[1].Value;
        var endpoint = $"http://{Lab.AddressOf(A)}:{KoiDaemon.HttpPort}";

        // Two joins need two codes: this step's and the next step's (both inside the CA's window).
        (await Koi(B, "certmesh", "join", endpoint, "--code", await CodeAsync(secret, "now"), "--json")).EnsureSuccess();
        (await Koi(C, "certmesh", "join", endpoint, "--code", await CodeAsync(secret, "now + 30 seconds"), "--json")).EnsureSuccess();
        (await Koi(B, "certmesh", "set-hook", "--reload", $"touch {Marker(B)}")).EnsureSuccess();
        (await Koi(C, "certmesh", "set-hook", "--reload", "false")).EnsureSuccess();
        (await Koi(A, "certmesh", "set-hook", "--reload", $"touch {Marker(A)}")).EnsureSuccess();

        // B renews at least twice in a row, each time with a new serial and its hook run afterwards.
        var serials = new List<string> { await SerialAsync(B, B) };
        for (var round = 0; round < 2; round++)
        {
            await Poll.UntilAsync(async () => await SerialAsync(B, B) != serials[^1], TimeSpan.FromMinutes(3), $"{B}'s renewal {round + 1}", Ct);
            serials.Add(await SerialAsync(B, B));
            await Poll.UntilAsync(async () => (await Lab.RunAsync(B, ["test", "-e", Marker(B)], Ct)).Succeeded, TimeSpan.FromSeconds(20), $"{B}'s reload hook after renewal {round + 1}", Ct);
            (await Lab.RunAsync(B, ["rm", "-f", Marker(B)], Ct)).EnsureSuccess();
        }

        Assert.Equal(3, serials.Distinct().Count());
        await LongTransferAcrossRenewal_CompletesIntact_NewConnectionsGetNewCertificateAsync();
        var roster = (await Koi(A, "certmesh", "roster", "--json")).EnsureSuccess().Stdout;
        Assert.Contains($"touch {Marker(B)}", roster, StringComparison.Ordinal);

        // C renewed too, but its hook failed: degraded in its status, the new files in place all the same.
        await Poll.UntilAsync(async () => (await MemberAsync(C)).TryGetProperty("renewal_state", out var s) && s.GetString() == "degraded", TimeSpan.FromMinutes(3), $"{C} degraded", Ct);
        Assert.Contains("renewal degraded", (await Koi(C, "certmesh", "status")).Stdout + (await Koi(C, "certmesh", "status")).Stderr, StringComparison.Ordinal);
        (await Lab.RunAsync(C, ["openssl", "verify", "-CAfile", $"{KoiDaemon.DataDir}/certs/{C}/ca.pem", $"{KoiDaemon.DataDir}/certs/{C}/cert.pem"], Ct)).EnsureSuccess();

        // The CA host's own certificate renews as well, and the members still verify it over the mesh plane.
        (await Lab.RunAsync(A, ["rm", "-f", Marker(A)], Ct)).EnsureSuccess();
        var ownBefore = await SerialAsync(A, A);
        await Poll.UntilAsync(async () => await SerialAsync(A, A) != ownBefore, TimeSpan.FromMinutes(2), $"{A}'s own certificate renewal", Ct);
        await Poll.UntilAsync(async () => (await Lab.RunAsync(A, ["test", "-e", Marker(A)], Ct)).Succeeded, TimeSpan.FromSeconds(20), $"{A}'s own reload hook", Ct);
        var verified = JsonDocument.Parse((await Koi(B, "certmesh", "verify-ca", "--json")).EnsureSuccess().Stdout).RootElement;
        Assert.Equal("verified", verified.GetProperty("last_verdict").GetString());
        Assert.Contains("cert_renewed", (await Koi(A, "certmesh", "log")).EnsureSuccess().Stdout, StringComparison.Ordinal);

        await CaStoppedPastRenewPoint_MemberWarnsThenRenewsWhenItIsBackAsync();
        await CaLockedOwnCertificateExpired_MemberSaysExpiredNotMitmAsync();
    }

    /// <summary>
    /// B's proxy serves a 200 MB body, paced to outlast B's renewal interval (~1 minute here), to C while B renews and
    /// swaps its certificate under it: the transfer completes byte for byte, and new handshakes present the new serial.
    /// </summary>
    private async Task LongTransferAcrossRenewal_CompletesIntact_NewConnectionsGetNewCertificateAsync()
    {
        var site = $"/tmp/koi-renew-transfer-{Lab.Name}";
        var url = $"https://{B}.lan:8443";
        var resolve = $"{B}.lan:8443:{Lab.AddressOf(B)}";
        try
        {
            (await Lab.RunAsync(B, ["sh", "-c", $"mkdir -p {site} && head -c {BigBytes} /dev/urandom > {site}/big.bin"], Ct)).EnsureSuccess();
            await Lab.StartBackgroundAsync(B, "transfer-backend", ["python3", "-m", "http.server", "3000", "--bind", "127.0.0.1", "--directory", site], Ct);
            await Lab.RunUntilSuccessAsync(B, ["curl", "-sf", "-o", "/dev/null", "-r", "0-0", "http://127.0.0.1:3000/big.bin"], TimeSpan.FromSeconds(10), Ct);
            (await Koi(B, "proxy", "add", "transfer", "--listen", "8443", "--backend", "http://127.0.0.1:3000")).EnsureSuccess();
            var before = await SerialAsync(B, B);
            await Poll.UntilAsync(async () => await ServedSerialAsync() == before, TimeSpan.FromSeconds(15), $"{B}'s proxy to serve its current certificate", Ct);

            // 200 MB at 2 MB/s: ~100 s, longer than one renewal interval (renew at minute 1 of 3, jitter earlier only).
            var transfer = Lab.RunAsync(C, ["curl", "-sS", "--fail", "--limit-rate", "2M", "--cacert", $"{KoiDaemon.DataDir}/certs/{C}/ca.pem",
                "--resolve", resolve, "-o", $"{site}/big.out", $"{url}/big.bin"], TimeSpan.FromSeconds(240), Ct);
            await Poll.UntilAsync(async () => await SerialAsync(B, B) != before, TimeSpan.FromMinutes(2), $"{B} to renew during the transfer", Ct);
            var after = await SerialAsync(B, B);
            Assert.False(transfer.IsCompleted, "the transfer ended before the renewal swapped the certificate");
            await Poll.UntilAsync(async () => await ServedSerialAsync() == after, TimeSpan.FromSeconds(15), "a new handshake to present the renewed certificate", Ct);

            var done = await transfer;
            Assert.True(done.Succeeded, $"the transfer across the swap failed: {done}");
            var sums = (await Lab.RunAsync(C, ["sh", "-c", $"sha256sum {site}/big.bin {site}/big.out | cut -d' ' -f1 | uniq | wc -l"], Ct)).EnsureSuccess().Stdout.Trim();
            Assert.Equal("1", sums);
        }
        finally
        {
            await Lab.RunAsync(B, ["rm", "-rf", site], Ct);
            foreach (var backend in Lab.Started.Where(p => p.Host == B && p.Name == "transfer-backend" && p.IsRunning).ToList())
            {
                await Lab.StopAsync(backend, Ct);
            }
        }
    }

    /// <summary>The serial a fresh TLS handshake with B's proxy presents, verified against the mesh CA, as <c>serial=…</c>.</summary>
    private async Task<string> ServedSerialAsync() =>
        (await Lab.RunAsync(C, ["sh", "-c",
            $"openssl s_client -connect {Lab.AddressOf(B)}:8443 -servername {B}.lan -CAfile {KoiDaemon.DataDir}/certs/{C}/ca.pem -verify_return_error </dev/null 2>/dev/null | openssl x509 -noout -serial"], Ct)).Stdout.Trim();

    /// <summary>Right after B renews, A's daemon stops; B's next renew point passes without a CA.</summary>
    private async Task CaStoppedPastRenewPoint_MemberWarnsThenRenewsWhenItIsBackAsync()
    {
        var before = await SerialAsync(B, B);
        await Poll.UntilAsync(async () => await SerialAsync(B, B) != before, TimeSpan.FromMinutes(3), $"{B}'s renewal before the stop", Ct);
        var stranded = await SerialAsync(B, B);
        await Lab.StopAsync(Lab.Started.Single(p => p.Host == A && p.Name == "koi" && p.IsRunning), Ct);

        await Poll.UntilAsync(async () => (await ComponentReasonAsync(B, "certmesh/member_certificate"))?.Contains("renewal failing", StringComparison.Ordinal) == true,
            TimeSpan.FromMinutes(2), $"{B}'s koi status to warn that renewal is failing", Ct);
        // The one-line summary carries the loudest warning (renewal failing, or the expiry once close) and points to the rest.
        Assert.Matches("^(renewal failing|this machine's mesh certificate).*more: koi certmesh status", await CertmeshSummaryWarningAsync(B));
        var status = await Koi(B, "certmesh", "status");
        Assert.Contains("renewal failing", status.Stdout + status.Stderr, StringComparison.Ordinal);
        Assert.Equal(stranded, await SerialAsync(B, B));

        await KoiDaemon.StartAsync(Lab, A, Ct);
        (await Koi(A, "certmesh", "unlock", "--passphrase-file", RenewalFixture.PassphraseFile)).EnsureSuccess();
        await Poll.UntilAsync(async () => await SerialAsync(B, B) != stranded, TimeSpan.FromSeconds(90), $"{B}'s renewal once {A} is back", Ct);
        await Poll.UntilAsync(async () => (await ComponentReasonAsync(B, "certmesh/member_certificate"))?.StartsWith("valid until", StringComparison.Ordinal) == true,
            TimeSpan.FromSeconds(30), $"{B}'s warning to clear", Ct);
    }

    /// <summary>A locked CA cannot renew its own certificate: once it expires, B's check says expired, not MITM.</summary>
    private async Task CaLockedOwnCertificateExpired_MemberSaysExpiredNotMitmAsync()
    {
        (await Koi(A, "certmesh", "lock")).EnsureSuccess();
        var expires = (await Lab.RunAsync(A, ["openssl", "x509", "-noout", "-enddate", "-in", $"{KoiDaemon.DataDir}/certs/{A}/cert.pem"], Ct)).EnsureSuccess().Stdout;

        await Poll.UntilAsync(async () => (await Lab.RunAsync(A, ["openssl", "x509", "-noout", "-checkend", "0", "-in", $"{KoiDaemon.DataDir}/certs/{A}/cert.pem"], Ct)).ExitCode != 0,
            TimeSpan.FromMinutes(4), $"{A}'s own certificate ({expires.Trim()}) to expire while locked", Ct);
        var verdict = JsonDocument.Parse((await Koi(B, "certmesh", "verify-ca", "--json")).Stdout).RootElement;

        Assert.Equal("expired", verdict.GetProperty("last_verdict").GetString());
        Assert.False(verdict.TryGetProperty("alert", out var alert) && alert.ValueKind == JsonValueKind.Object && alert.GetProperty("active").GetBoolean());
        var status = await Koi(B, "certmesh", "status");
        Assert.DoesNotContain("MITM", status.Stdout + status.Stderr, StringComparison.Ordinal);
        (await Koi(A, "certmesh", "unlock", "--passphrase-file", RenewalFixture.PassphraseFile)).EnsureSuccess();
    }

    /// <summary>A component's reason in <c>koi status --json</c> (capabilities[].components[]); null when not listed.</summary>
    private async Task<string?> ComponentReasonAsync(string host, string name)
    {
        var status = JsonDocument.Parse((await Koi(host, "status", "--json")).EnsureSuccess().Stdout).RootElement;
        foreach (var capability in status.GetProperty("capabilities").EnumerateArray())
        {
            foreach (var component in capability.GetProperty("components").EnumerateArray())
            {
                if (component.GetProperty("name").GetString() == name)
                {
                    return component.TryGetProperty("reason", out var reason) ? reason.GetString() : null;
                }
            }
        }

        return null;
    }

    /// <summary>The certmesh line's <c>warning</c> in <c>koi status</c> (its summary); empty when there is none.</summary>
    private async Task<string> CertmeshSummaryWarningAsync(string host)
    {
        var status = JsonDocument.Parse((await Koi(host, "status", "--json")).EnsureSuccess().Stdout).RootElement;
        var certmesh = status.GetProperty("capabilities").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "certmesh");
        return certmesh.GetProperty("summary").TryGetProperty("warning", out var warning) && warning.ValueKind == JsonValueKind.String ? warning.GetString()! : string.Empty;
    }

    private async Task<string> SerialAsync(string host, string name) =>
        (await Lab.RunAsync(host, ["openssl", "x509", "-noout", "-serial", "-in", $"{KoiDaemon.DataDir}/certs/{name}/cert.pem"], Ct)).EnsureSuccess().Stdout.Trim();

    private async Task<JsonElement> MemberAsync(string host) =>
        JsonDocument.Parse((await Koi(host, "certmesh", "status", "--json")).EnsureSuccess().Stdout).RootElement.GetProperty("member");

    private async Task<string> CodeAsync(string secret, string at) =>
        (await Lab.RunAsync(A, ["oathtool", "--totp", "-b", "-N", at, secret], Ct)).EnsureSuccess().Stdout.Trim();

    private Task<LabCommandResult> Koi(string host, params string[] arguments) => KoiDaemon.CliAsync(Lab, host, Ct, arguments);

    [GeneratedRegex("secret=([A-Z2-7]+)")]
    private static partial Regex SecretPattern();
}
