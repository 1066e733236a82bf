using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Koi.Scenarios.Fixtures;
using Koi.Scenarios.Harness;

namespace Koi.Scenarios.Scenarios;

/// <summary>
/// The standby CA with real faults (issue 20): stone-b is promoted over the mTLS plane (captured: no key material in
/// clear), stone-a's daemon is killed with SIGKILL, stone-b takes over within grace + 30 s under epoch 1, stone-c
/// follows it and renews there, stone-d joins it; stone-a comes back, defers and syncs the roster that now has stone-d.
/// </summary>
public sealed partial class FailoverScenarios(FailoverFixture lab) : LabScenarios<FailoverFixture>(lab)
{
    private readonly FailoverFixture _fixture = lab;

    private const string A = FailoverFixture.Primary;
    private const string B = FailoverFixture.Standby;
    private const string C = FailoverFixture.Member;
    private const string D = FailoverFixture.Latecomer;

    [Fact(Timeout = 600_000)]
    public async Task KillPrimary_StandbyTakesOverMembersFollowOldPrimaryDefers()
    {
        var created = JsonDocument.Parse((await Koi(A, "certmesh", "create", "--profile", "just-me", "--passphrase-file", FailoverFixture.PassphraseFile, "--json")).EnsureSuccess().Stdout).RootElement;
        var secret = SecretPattern().Match(created.GetProperty("totp_uri").GetString()!).Groups[1].Value;
        var endpoint = $"http://{Lab.AddressOf(A)}:{KoiDaemon.HttpPort}";
        (await Koi(B, "certmesh", "join", endpoint, "--code", await CodeAsync(secret, "now"), "--json")).EnsureSuccess();
        (await Koi(C, "certmesh", "join", endpoint, "--code", await CodeAsync(secret, "now + 30 seconds"), "--json")).EnsureSuccess();

        // Promote B while the mesh plane's traffic is captured on A.
        var pcap = Path.Combine(Lab.LogsDirectory, A, "promote.pcap");
        var capture = await Lab.StartBackgroundAsync(A, "tcpdump", ["tcpdump", "-i", "eth0", "-U", "-s", "0", "-w", pcap, "tcp", "port", $"{KoiDaemon.HttpPort + 2}"], Ct);
        await Task.Delay(TimeSpan.FromSeconds(1), Ct);
        var promoted = await Koi(B, "certmesh", "promote", "--code", await CodeAsync(secret, "now"), "--passphrase-file", FailoverFixture.StandbyPassphraseFile, "--json");
        Assert.Contains("\"epoch\"", promoted.EnsureSuccess().Stdout, StringComparison.Ordinal);
        await Task.Delay(TimeSpan.FromSeconds(1), Ct);
        await Lab.StopAsync(capture, Ct);
        var wire = Encoding.Latin1.GetString(await File.ReadAllBytesAsync(pcap, Ct));
        Assert.True(wire.Length > 1000, "the capture saw the promote exchange");
        var caKey = (await Lab.RunAsync(A, ["openssl", "pkey", "-in", $"{KoiDaemon.DataDir}/certmesh/ca/ca-key.enc", "-passin", $"file:{FailoverFixture.PassphraseFile}"], Ct)).EnsureSuccess().Stdout;
        Assert.DoesNotContain("PRIVATE KEY", wire, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, wire, StringComparison.Ordinal);
        foreach (var line in caKey.Split('\n').Where(l => l.Length > 20 && !l.StartsWith("-----", StringComparison.Ordinal)))
        {
            Assert.DoesNotContain(line, wire, StringComparison.Ordinal);
        }

        var roster = (await Koi(A, "certmesh", "roster", "--json")).EnsureSuccess().Stdout;
        Assert.Contains("\"standby\"", roster, StringComparison.Ordinal);
        await Poll.UntilAsync(async () => await HaAsync(B) is { } ha && Text(ha, "role") == "standby" && Text(ha, "last_sync").Length > 0,
            TimeSpan.FromSeconds(30), $"{B} standby and synced", Ct);

        // kill -9 the primary: the standby takes over within grace (10 s) + 30 s, under epoch 1.
        var killedAt = Stopwatch.StartNew();
        Process.GetProcessById(_fixture.Daemons[A].Pid).Kill();
        await Poll.UntilAsync(async () => await HaAsync(B) is { } ha && Text(ha, "role") == "primary", TimeSpan.FromSeconds(40), $"{B} primary", Ct);
        var took = killedAt.Elapsed;
        Assert.Equal("1", Text((await HaAsync(B))!.Value, "epoch"));
        Assert.Contains("became_primary", (await Koi(B, "certmesh", "log")).EnsureSuccess().Stdout, StringComparison.Ordinal);

        // C follows B by the pinned fingerprint and renews there; D joins B.
        await Poll.UntilAsync(async () => (await Koi(C, "certmesh", "renew", "--force", "--json")).Succeeded, TimeSpan.FromSeconds(60), $"{C} renews against {B}", Ct);
        var member = JsonDocument.Parse((await Koi(C, "certmesh", "status", "--json")).EnsureSuccess().Stdout).RootElement.GetProperty("member");
        Assert.Equal(B, member.GetProperty("ca_hostname").GetString());
        (await Koi(B, "certmesh", "open-enrollment")).EnsureSuccess();
        (await Koi(D, "certmesh", "join", $"http://{Lab.AddressOf(B)}:{KoiDaemon.HttpPort}", "--code", await CodeAsync(secret, "now"), "--json")).EnsureSuccess();
        (await Lab.RunAsync(D, ["openssl", "verify", "-CAfile", $"{KoiDaemon.DataDir}/certs/{D}/ca.pem", $"{KoiDaemon.DataDir}/certs/{D}/cert.pem"], Ct)).EnsureSuccess();

        // A comes back: it finds B primary under a higher epoch, defers, and syncs the roster that has D.
        await _fixture.RestartAsync(A, Ct);
        await Poll.UntilAsync(async () => await HaAsync(A) is { } ha && Text(ha, "role") == "standby", TimeSpan.FromSeconds(30), $"{A} defers", Ct);
        await Poll.UntilAsync(async () => (await Lab.RunAsync(A, ["grep", "-q", D, $"{KoiDaemon.DataDir}/certmesh/standby/roster.json"], Ct)).Succeeded,
            TimeSpan.FromSeconds(30), $"{A}'s standby roster has {D}", Ct);
        Assert.Equal("primary", Text((await HaAsync(B))!.Value, "role"));
        var statusA = JsonDocument.Parse((await Koi(A, "certmesh", "status", "--json")).EnsureSuccess().Stdout).RootElement;
        Assert.False(statusA.GetProperty("initialized").GetBoolean());
        Assert.True(took < TimeSpan.FromSeconds(40), $"takeover took {took}");
    }

    private async Task<JsonElement?> HaAsync(string host)
    {
        var result = await Koi(host, "certmesh", "status", "--json");
        return result.Succeeded && JsonDocument.Parse(result.Stdout).RootElement.TryGetProperty("ha", out var ha) && ha.ValueKind == JsonValueKind.Object ? ha.Clone() : null;
    }

    private static string Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value.ToString() : string.Empty;

    private async Task<string> CodeAsync(string secret, string at) =>
        (await Lab.RunAsync(C, ["oathtool", "--totp", "-b", "-N", at, secret], Ct)).EnsureSuccess().Stdout.Trim();

    private Task<LabCommandResult> Koi(string host, params string[] arguments) => KoiDaemon.CliAsync(Lab, host, Ct, arguments);

    [GeneratedRegex("secret=([A-Z2-7]+)")]
    private static partial Regex SecretPattern();
}
