using System.Text.Json;
using System.Text.RegularExpressions;
using Koi.Scenarios.Fixtures;
using Koi.Scenarios.Harness;

namespace Koi.Scenarios.Scenarios;

/// <summary>
/// A partition between the primary and its standby (issue 20): both keep running, the standby takes over under a
/// higher epoch; when the partition heals exactly one primary remains and the loser signs nothing afterwards.
/// </summary>
public sealed partial class PartitionScenarios(PartitionFixture lab) : LabScenarios<PartitionFixture>(lab)
{
    private const string A = PartitionFixture.Primary;
    private const string B = PartitionFixture.Standby;
    private const string C = PartitionFixture.Member;

    [Fact(Timeout = 600_000)]
    public async Task PartitionBetweenCas_HealLeavesOnePrimaryLoserSignsNothingAfter()
    {
        var created = JsonDocument.Parse((await Koi(A, "certmesh", "create", "--profile", "just-me", "--passphrase-file", FailoverFixture.PassphraseFile, "--json")).EnsureSuccess().Stdout).RootElement;
        var secret = SecretPattern().Match(created.GetProperty("totp_uri").GetString()!).Groups[1].Value;
        var endpoint = $"http://{Lab.AddressOf(A)}:{KoiDaemon.HttpPort}";
        (await Koi(B, "certmesh", "join", endpoint, "--code", await CodeAsync(secret, "now"), "--json")).EnsureSuccess();
        (await Koi(C, "certmesh", "join", endpoint, "--code", await CodeAsync(secret, "now + 30 seconds"), "--json")).EnsureSuccess();
        (await Koi(B, "certmesh", "promote", "--code", await CodeAsync(secret, "now"), "--passphrase-file", FailoverFixture.StandbyPassphraseFile)).EnsureSuccess();
        await Poll.UntilAsync(async () => await RoleAsync(B) == "standby", TimeSpan.FromSeconds(30), $"{B} standby", Ct);

        // Cut A off from B (both directions, in A's namespace); C still reaches A.
        var b = Lab.AddressOf(B);
        (await Lab.RunAsync(A, ["nft", $"add table inet koiha; add chain inet koiha in {{ type filter hook input priority 0; }}; add chain inet koiha out {{ type filter hook output priority 0; }}; add rule inet koiha in ip saddr {b} drop; add rule inet koiha out ip daddr {b} drop"], Ct)).EnsureSuccess();
        try
        {
            await Poll.UntilAsync(async () => await RoleAsync(B) == "primary", TimeSpan.FromSeconds(40), $"{B} takes over during the partition", Ct);
            Assert.Equal("primary", await RoleAsync(A));
        }
        finally
        {
            await Lab.RunAsync(A, ["nft", "delete table inet koiha"], Ct);
        }

        // Healed: A sees B primary under epoch 1, defers; one primary within 2 minutes.
        await Poll.UntilAsync(async () => await RoleAsync(A) == "standby", TimeSpan.FromMinutes(2), $"{A} defers after the heal", Ct);
        Assert.Equal("primary", await RoleAsync(B));

        // A holds no CA any more (it cannot sign); its own trail records the deferral. C renews, and the certificate
        // it now holds is the one B's roster records: B signed it.
        var statusA = JsonDocument.Parse((await Koi(A, "certmesh", "status", "--json")).EnsureSuccess().Stdout).RootElement;
        Assert.False(statusA.GetProperty("initialized").GetBoolean());
        Assert.Contains(" deferred ", (await Lab.RunAsync(A, ["cat", $"{KoiDaemon.DataDir}/certmesh/member-audit.log"], Ct)).EnsureSuccess().Stdout, StringComparison.Ordinal);
        await Poll.UntilAsync(async () => (await Koi(C, "certmesh", "renew", "--force", "--json")).Succeeded, TimeSpan.FromSeconds(60), $"{C} renews", Ct);
        var fingerprint = (await Lab.RunAsync(C, ["sh", "-c", $"openssl x509 -in {KoiDaemon.DataDir}/certs/{C}/cert.pem -outform DER | sha256sum | cut -d' ' -f1"], Ct)).EnsureSuccess().Stdout.Trim();
        var rosterB = (await Koi(B, "certmesh", "roster", "--json")).EnsureSuccess().Stdout;
        Assert.Contains(fingerprint, rosterB, StringComparison.Ordinal);
        Assert.Equal("standby", await RoleAsync(A));
    }

    private async Task<string> RoleAsync(string host)
    {
        var result = await Koi(host, "certmesh", "status", "--json");
        return result.Succeeded && JsonDocument.Parse(result.Stdout).RootElement.TryGetProperty("ha", out var ha) && ha.ValueKind == JsonValueKind.Object
            ? ha.GetProperty("role").GetString() ?? string.Empty
            : string.Empty;
    }

    private async Task<string> CodeAsync(string secret, string at) =>
        (await Lab.RunAsync(C, ["oathtool", "--totp", "-b", "-N", at, secret], Ct)).EnsureSuccess().Stdout.Trim();

    private Task<LabCommandResult> Koi(string host, params string[] arguments) => KoiDaemon.CliAsync(Lab, host, Ct, arguments);

    [GeneratedRegex("secret=([A-Z2-7]+)")]
    private static partial Regex SecretPattern();
}
