using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Koi.Scenarios.Fixtures;
using Koi.Scenarios.Harness;

namespace Koi.Scenarios.Scenarios;

/// <summary>
/// Two standbys lose their primary while they cannot reach each other (issue 20): both take over under epoch 1; once
/// they can, exactly one stays primary (the lower host name) and the other defers; the old primary returns, defers and renews its own certificate from the
/// winner; with every CA down the member's proxy keeps serving HTTPS and its status says the CA is unreachable;
/// when one CA returns the member verifies and renews again.
/// </summary>
public sealed partial class TieBreakScenarios(TieBreakFixture lab) : LabScenarios<TieBreakFixture>(lab)
{
    private readonly TieBreakFixture _fixture = lab;

    private const string A = TieBreakFixture.Primary;
    private const string B = TieBreakFixture.FirstStandby;
    private const string C = TieBreakFixture.SecondStandby;
    private const string D = TieBreakFixture.Member;
    private const string Page = "koi tie-break lab page";

    [Fact(Timeout = 600_000)]
    public async Task TwoStandbysTakeOverApart_LowerHostNameStaysOldPrimaryRenewsThere_AllCasDownMemberStillServesHttps()
    {
        var created = JsonDocument.Parse((await Koi(A, "certmesh", "create", "--profile", "just-me", "--passphrase-file", FailoverFixture.PassphraseFile, "--json")).EnsureSuccess().Stdout).RootElement;
        var secret = SecretPattern().Match(created.GetProperty("totp_uri").GetString()!).Groups[1].Value;
        var endpoint = $"http://{Lab.AddressOf(A)}:{KoiDaemon.HttpPort}";
        (await Koi(B, "certmesh", "join", endpoint, "--code", await CodeAsync(secret, "now - 30 seconds"), "--json")).EnsureSuccess();
        (await Koi(C, "certmesh", "join", endpoint, "--code", await CodeAsync(secret, "now"), "--json")).EnsureSuccess();
        (await Koi(D, "certmesh", "join", endpoint, "--code", await CodeAsync(secret, "now + 30 seconds"), "--json")).EnsureSuccess();

        // B is promoted, then C in its place: B keeps its copy of the CA and still watches A — two standbys.
        (await Koi(B, "certmesh", "promote", "--code", await CodeAsync(secret, "now"), "--passphrase-file", FailoverFixture.StandbyPassphraseFile)).EnsureSuccess();
        await Poll.UntilAsync(async () => await RoleAsync(B) == "standby", TimeSpan.FromSeconds(30), $"{B} standby", Ct);
        (await Koi(C, "certmesh", "promote", "--code", await CodeAsync(secret, "now"), "--passphrase-file", FailoverFixture.StandbyPassphraseFile)).EnsureSuccess();
        await Poll.UntilAsync(async () => await HaAsync(C) is { } ha && Text(ha, "role") == "standby" && Text(ha, "last_sync").Length > 0,
            TimeSpan.FromSeconds(30), $"{C} standby and synced", Ct);
        Assert.Equal("standby", await RoleAsync(B));

        // D serves HTTPS with its mesh certificate through its proxy.
        var site = $"/tmp/koi-tiebreak-{Lab.Name}";
        (await Lab.RunAsync(D, ["sh", "-c", $"mkdir -p {site} && echo '{Page}' > {site}/index.html"], Ct)).EnsureSuccess();
        await Lab.StartBackgroundAsync(D, "site", ["python3", "-m", "http.server", "3000", "--bind", "127.0.0.1", "--directory", site], Ct);
        await Lab.RunUntilSuccessAsync(D, ["curl", "-sf", "-o", "/dev/null", "http://127.0.0.1:3000/"], TimeSpan.FromSeconds(10), Ct);
        (await Koi(D, "proxy", "add", "web", "--listen", "8443", "--backend", "http://localhost:3000", "--json")).EnsureSuccess();
        Assert.Equal("200", await HttpsStatusAsync());

        // B and C cannot reach each other (nftables drop in B's namespace, both directions) when kill -9 takes the
        // primary: neither can prove to the other that it took over, so both do — two primaries under epoch 1.
        var c = Lab.AddressOf(C);
        (await Lab.RunAsync(B, ["nft", $"add table inet koitb; add chain inet koitb in {{ type filter hook input priority 0; }}; add chain inet koitb out {{ type filter hook output priority 0; }}; add rule inet koitb in ip saddr {c} drop; add rule inet koitb out ip daddr {c} drop"], Ct)).EnsureSuccess();
        try
        {
            Process.GetProcessById(_fixture.Daemons[A].Pid).Kill();
            await Poll.UntilAsync(async () => (await RolesAsync(B, C)).All(r => r == "primary"), TimeSpan.FromSeconds(60), "both standbys primary while apart", Ct);
        }
        finally
        {
            await Lab.RunAsync(B, ["nft", "delete table inet koitb"], Ct);
        }

        // Healed: the same epoch, so the lower host name stays primary and the other defers; then no second signer.
        var healed = Stopwatch.StartNew();
        await Poll.UntilAsync(async () => (await RolesAsync(B, C)).SequenceEqual(["primary", "standby"]), TimeSpan.FromSeconds(60), $"{C} defers to {B}", Ct);
        var settled = healed.Elapsed;
        const string winner = B;
        const string loser = C;
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(new[] { "primary", "standby" }, await RolesAsync(winner, loser));
            await Task.Delay(TimeSpan.FromSeconds(1), Ct);
        }

        Assert.Contains(" deferred ", (await Lab.RunAsync(loser, ["cat", $"{KoiDaemon.DataDir}/certmesh/member-audit.log"], Ct)).EnsureSuccess().Stdout, StringComparison.Ordinal);
        Assert.Contains("sorts first", Text((await HaAsync(loser))!.Value, "reason"), StringComparison.Ordinal);
        Assert.Equal("1", Text((await HaAsync(winner))!.Value, "epoch"));
        Assert.False(JsonDocument.Parse((await Koi(loser, "certmesh", "status", "--json")).EnsureSuccess().Stdout).RootElement.GetProperty("initialized").GetBoolean());

        // One signer: D renews, and the serial it holds is the one the winner's roster records.
        await Poll.UntilAsync(async () => (await Koi(D, "certmesh", "renew", "--force", "--json")).Succeeded, TimeSpan.FromSeconds(60), $"{D} renews", Ct);
        Assert.Contains(await CertFingerprintAsync(D), (await Koi(winner, "certmesh", "roster", "--json")).EnsureSuccess().Stdout, StringComparison.Ordinal);

        // A returns: it looks first, defers to the winner, and renews its own certificate there like any member.
        await _fixture.RestartAsync(A, Ct);
        await Poll.UntilAsync(async () => await RoleAsync(A) == "standby", TimeSpan.FromSeconds(40), $"{A} defers", Ct);
        var aMember = JsonDocument.Parse((await Koi(A, "certmesh", "status", "--json")).EnsureSuccess().Stdout).RootElement.GetProperty("member");
        Assert.Equal(winner, aMember.GetProperty("ca_hostname").GetString());
        await Poll.UntilAsync(async () => (await Koi(A, "certmesh", "renew", "--force", "--json")).Succeeded, TimeSpan.FromSeconds(60), $"{A} renews from {winner}", Ct);
        Assert.Contains(await CertFingerprintAsync(A), (await Koi(winner, "certmesh", "roster", "--json")).EnsureSuccess().Stdout, StringComparison.Ordinal);
        Assert.Equal("primary", await RoleAsync(winner));

        // Every CA down: D's proxy still serves HTTPS with the certificate it holds; its status says the CA is
        // unreachable — not a MITM alarm.
        foreach (var host in new[] { A, B, C })
        {
            Process.GetProcessById(_fixture.Daemons[host].Pid).Kill();
        }

        await Poll.UntilAsync(async () => await MemberAsync(D) is { } m && Text(m, "last_verdict") == "unreachable", TimeSpan.FromSeconds(30), $"{D} sees its CA unreachable", Ct);
        Assert.Equal("200", await HttpsStatusAsync());
        var down = (await MemberAsync(D))!.Value;
        Assert.False(down.TryGetProperty("alert", out var alert) && alert.ValueKind == JsonValueKind.Object && alert.GetProperty("active").GetBoolean());
        Assert.DoesNotContain("fingerprint_changed", down.ToString(), StringComparison.Ordinal);

        // The winner returns (locked after a restart; unlocked by hand): it looks first, signs, and D renews again.
        await _fixture.RestartAsync(winner, Ct);
        (await Koi(winner, "certmesh", "unlock", "--passphrase-file", FailoverFixture.StandbyPassphraseFile)).EnsureSuccess();
        await Poll.UntilAsync(async () => await MemberAsync(D) is { } m && Text(m, "last_verdict") == "verified", TimeSpan.FromSeconds(30), $"{D} verifies {winner} again", Ct);
        await Poll.UntilAsync(async () => (await Koi(D, "certmesh", "renew", "--force", "--json")).Succeeded, TimeSpan.FromSeconds(60), $"{D} renews after the return", Ct);
        Assert.Equal("200", await HttpsStatusAsync());
        Assert.True(settled < TimeSpan.FromSeconds(30), $"one primary {settled} after the heal");
    }

    private async Task<string> HttpsStatusAsync()
    {
        var result = await Lab.RunAsync(D, ["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "5", "--cacert", $"{KoiDaemon.DataDir}/certs/{D}/ca.pem",
            "--resolve", $"{D}.lan:8443:{Lab.AddressOf(D)}", $"https://{D}.lan:8443/"], Ct);
        return result.Stdout.Trim();
    }

    private async Task<string> CertFingerprintAsync(string host) =>
        (await Lab.RunAsync(host, ["sh", "-c", $"openssl x509 -in {KoiDaemon.DataDir}/certs/{host}/cert.pem -outform DER | sha256sum | cut -d' ' -f1"], Ct)).EnsureSuccess().Stdout.Trim();

    private async Task<string[]> RolesAsync(params string[] hosts) => await Task.WhenAll(hosts.Select(RoleAsync));

    private async Task<string> RoleAsync(string host) => await HaAsync(host) is { } ha ? Text(ha, "role") : string.Empty;

    private async Task<JsonElement?> HaAsync(string host) => await StatusPartAsync(host, "ha");

    private async Task<JsonElement?> MemberAsync(string host) => await StatusPartAsync(host, "member");

    private async Task<JsonElement?> StatusPartAsync(string host, string part)
    {
        var result = await Koi(host, "certmesh", "status", "--json");
        return result.Succeeded && JsonDocument.Parse(result.Stdout).RootElement.TryGetProperty(part, out var value) && value.ValueKind == JsonValueKind.Object ? value.Clone() : null;
    }

    private static string Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value.ToString() : string.Empty;

    private async Task<string> CodeAsync(string secret, string at) =>
        (await Lab.RunAsync(D, ["oathtool", "--totp", "-b", "-N", at, secret], Ct)).EnsureSuccess().Stdout.Trim();

    private Task<LabCommandResult> Koi(string host, params string[] arguments) => KoiDaemon.CliAsync(Lab, host, Ct, arguments);

    [GeneratedRegex("secret=([A-Z2-7]+)")]
    private static partial Regex SecretPattern();
}
