using System.Text.Json;
using System.Text.RegularExpressions;
using Koi.Scenarios.Fixtures;
using Koi.Scenarios.Harness;

namespace Koi.Scenarios.Scenarios;

/// <summary>
/// Certificates that renew themselves (issue 15): with 3-minute certificates two members renew several times in a
/// row over the CA's mTLS plane, serials change, a reload hook runs after each renewal and a failing one shows
/// degraded; the CA host's own certificate renews too and the members' checks stay green.
/// </summary>
public sealed partial class RenewalScenarios(RenewalFixture fixture) : LabScenarios<RenewalFixture>(fixture)
{
    private const string A = RenewalFixture.Ca;
    private const string B = RenewalFixture.HookedMember;
    private const string C = RenewalFixture.FailingHookMember;
    private const string Marker = "/tmp/koi-reloaded";

    [Fact(Timeout = 540_000)]
    public async Task ShortLifetimes_MembersAndCaHostRenewRepeatedly_HooksRunFailingHookDegraded()
    {
        var create = await Koi(A, "certmesh", "create", "--profile", "just-me", "--passphrase-file", RenewalFixture.PassphraseFile, "--json");
        var created = JsonDocument.Parse(create.EnsureSuccess().Stdout).RootElement;
        var secret = SecretPattern().Match(created.GetProperty("totp_uri").GetString()!).Groups[1].Value;
        var endpoint = $"http://{Lab.AddressOf(A)}:{KoiDaemon.HttpPort}";

        // Two joins need two codes: this step's and the next step's (both inside the CA's window).
        (await Koi(B, "certmesh", "join", endpoint, "--code", await CodeAsync(secret, "now"), "--json")).EnsureSuccess();
        (await Koi(C, "certmesh", "join", endpoint, "--code", await CodeAsync(secret, "now + 30 seconds"), "--json")).EnsureSuccess();
        (await Koi(B, "certmesh", "set-hook", "--reload", $"touch {Marker}")).EnsureSuccess();
        (await Koi(C, "certmesh", "set-hook", "--reload", "false")).EnsureSuccess();

        // B renews at least twice in a row, each time with a new serial and its hook run afterwards.
        var serials = new List<string> { await SerialAsync(B, B) };
        for (var round = 0; round < 2; round++)
        {
            await Poll.UntilAsync(async () => await SerialAsync(B, B) != serials[^1], TimeSpan.FromMinutes(3), $"{B}'s renewal {round + 1}", Ct);
            serials.Add(await SerialAsync(B, B));
            await Poll.UntilAsync(async () => (await Lab.RunAsync(B, ["test", "-e", Marker], Ct)).Succeeded, TimeSpan.FromSeconds(20), $"{B}'s reload hook after renewal {round + 1}", Ct);
            (await Lab.RunAsync(B, ["rm", "-f", Marker], Ct)).EnsureSuccess();
        }

        Assert.Equal(3, serials.Distinct().Count());
        var roster = (await Koi(A, "certmesh", "roster", "--json")).EnsureSuccess().Stdout;
        Assert.Contains($"touch {Marker}", roster, StringComparison.Ordinal);

        // C renewed too, but its hook failed: degraded in its status, the new files in place all the same.
        await Poll.UntilAsync(async () => (await MemberAsync(C)).TryGetProperty("renewal_state", out var s) && s.GetString() == "degraded", TimeSpan.FromMinutes(3), $"{C} degraded", Ct);
        Assert.Contains("renewal degraded", (await Koi(C, "certmesh", "status")).Stdout + (await Koi(C, "certmesh", "status")).Stderr, StringComparison.Ordinal);
        (await Lab.RunAsync(C, ["openssl", "verify", "-CAfile", $"{KoiDaemon.DataDir}/certs/{C}/ca.pem", $"{KoiDaemon.DataDir}/certs/{C}/cert.pem"], Ct)).EnsureSuccess();

        // The CA host's own certificate renews as well, and the members still verify it over the mesh plane.
        var ownBefore = await SerialAsync(A, A);
        await Poll.UntilAsync(async () => await SerialAsync(A, A) != ownBefore, TimeSpan.FromMinutes(2), $"{A}'s own certificate renewal", Ct);
        var verified = JsonDocument.Parse((await Koi(B, "certmesh", "verify-ca", "--json")).EnsureSuccess().Stdout).RootElement;
        Assert.Equal("verified", verified.GetProperty("last_verdict").GetString());
        Assert.Contains("cert_renewed", (await Koi(A, "certmesh", "log")).EnsureSuccess().Stdout, StringComparison.Ordinal);
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
