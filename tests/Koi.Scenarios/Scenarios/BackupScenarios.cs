using System.Text.Json;
using System.Text.RegularExpressions;
using Koi.Scenarios.Fixtures;
using Koi.Scenarios.Harness;

namespace Koi.Scenarios.Scenarios;

/// <summary>
/// The CA machine dies; its backup makes another machine the CA (docs/certmesh.md, "Backup and restore"): the same
/// root, so members keep their pin, follow it to its new address and renew there, and newcomers join the new machine.
/// </summary>
public sealed partial class BackupScenarios(BackupFixture fixture) : LabScenarios<BackupFixture>(fixture)
{
    private const string A = BackupFixture.Ca;
    private const string B = BackupFixture.Member;
    private const string C = BackupFixture.Newcomer;
    private const string D = BackupFixture.Replacement;

    [Fact(Timeout = 400_000)]
    public async Task BackupOnA_ADestroyed_RestoreOnD_MemberFollowsAndRenewsAtDAndNewcomerJoinsD()
    {
        var created = Json((await Koi(A, "certmesh", "create", "--profile", "just-me", "--passphrase-file", BackupFixture.PassphraseFile, "--json")).EnsureSuccess().Stdout);
        var fingerprint = created.GetProperty("ca_fingerprint").GetString()!;
        var secret = SecretPattern().Match(created.GetProperty("totp_uri").GetString()!).Groups[1].Value;
        var firstCode = await CodeAsync(A, secret);
        (await Koi(B, "certmesh", "join", Endpoint(A), "--code", firstCode, "--json")).EnsureSuccess();

        // The shared file system stands in for the USB stick the backup travels on.
        var backup = Path.Combine(Lab.Directory, "ca.backup");
        (await Koi(A, "certmesh", "backup", backup, "--passphrase-file", BackupFixture.BackupPassphraseFile, "--yes")).EnsureSuccess();
        Assert.Equal("600", (await Lab.RunAsync(A, ["stat", "-c", "%a", backup], Ct)).EnsureSuccess().Stdout.Trim());
        var refusedOverwrite = await Koi(A, "certmesh", "backup", backup, "--passphrase-file", BackupFixture.BackupPassphraseFile, "--yes");
        Assert.NotEqual(0, refusedOverwrite.ExitCode);

        // A dies with its data.
        await Lab.StopAsync(Lab.Started.Last(p => p.Host == A && p.Name == "koi" && p.IsRunning), Ct);
        (await Lab.RunAsync(A, ["rm", "-rf", KoiDaemon.DataDir], Ct)).EnsureSuccess();

        // A wrong backup passphrase changes nothing on D.
        (await Lab.RunAsync(D, ["sh", "-c", "umask 077 && echo 'not the backup passphrase' > /root/wrong && echo 'new unlock passphrase on d' > /root/new-unlock"], Ct)).EnsureSuccess();
        var wrong = await Koi(D, "certmesh", "restore", backup, "--backup-passphrase-file", "/root/wrong", "--passphrase-file", "/root/new-unlock");
        Assert.NotEqual(0, wrong.ExitCode);
        Assert.Contains("wrong backup passphrase", wrong.Stderr + wrong.Stdout, StringComparison.Ordinal);
        Assert.False(Json((await Koi(D, "certmesh", "status", "--json")).EnsureSuccess().Stdout).GetProperty("initialized").GetBoolean());

        var restored = Json((await Koi(D, "certmesh", "restore", backup, "--backup-passphrase-file", BackupFixture.BackupPassphraseFile, "--passphrase-file", "/root/new-unlock", "--json")).EnsureSuccess().Stdout);
        Assert.Equal(fingerprint, restored.GetProperty("ca_fingerprint").GetString());
        var again = await Koi(D, "certmesh", "restore", backup, "--backup-passphrase-file", BackupFixture.BackupPassphraseFile, "--passphrase-file", "/root/new-unlock");
        Assert.NotEqual(0, again.ExitCode);
        Assert.Contains("--force", again.Stderr + again.Stdout, StringComparison.Ordinal);

        // B's pin is D's root: D serves the pinned CA, and D's own new certificate chains to the CA file B holds.
        var pinned = Json((await Koi(B, "certmesh", "status", "--json")).EnsureSuccess().Stdout).GetProperty("member").GetProperty("pinned_ca_fingerprint").GetString();
        Assert.Equal(fingerprint, pinned);
        var served = (await Lab.RunAsync(B, ["sh", "-c", $"curl -sf {Endpoint(D)}/v1/certmesh/ca.pem | openssl x509 -outform DER | sha256sum | cut -d' ' -f1"], Ct)).EnsureSuccess().Stdout.Trim();
        Assert.Equal(pinned, served);
        var dCert = Path.Combine(Lab.Directory, "d-cert.pem");
        (await Lab.RunAsync(D, ["cp", $"{KoiDaemon.DataDir}/certs/{D}/cert.pem", dCert], Ct)).EnsureSuccess();
        (await Lab.RunAsync(B, ["openssl", "verify", "-CAfile", $"{KoiDaemon.DataDir}/certs/{B}/ca.pem", dCert], Ct)).EnsureSuccess();

        // B follows the CA to D by its pin: A's recorded endpoint does not answer, D announces the pinned fingerprint
        // over mDNS and proves the key; then B renews against D and D records it.
        string? endpoint = null;
        await Poll.UntilAsync(async () =>
        {
            var verified = await Koi(B, "certmesh", "verify-ca", "--json");
            endpoint = verified.ExitCode == 0 ? Json(verified.Stdout).GetProperty("ca_endpoint").GetString() : null;
            return endpoint == Endpoint(D);
        }, TimeSpan.FromSeconds(30), "B to follow the restored CA to D", Ct);
        var member = Json((await Koi(B, "certmesh", "status", "--json")).EnsureSuccess().Stdout).GetProperty("member");
        Assert.Equal(fingerprint, member.GetProperty("pinned_ca_fingerprint").GetString());
        Assert.Contains("ca_moved", (await Lab.RunAsync(B, ["cat", $"{KoiDaemon.DataDir}/certmesh/member-audit.log"], Ct)).EnsureSuccess().Stdout, StringComparison.Ordinal);
        (await Koi(B, "certmesh", "renew", "--force", "--json")).EnsureSuccess();
        var renewedAtD = (await Koi(D, "certmesh", "log")).EnsureSuccess().Stdout.Split('\n');
        Assert.Contains(renewedAtD, line => line.Contains("cert_renewed", StringComparison.Ordinal) && line.Contains(B, StringComparison.Ordinal));

        // A newcomer joins D with a code from the same authenticator secret, pinning the same root.
        var code = await CodeAsync(D, secret);
        while (code == firstCode)
        {
            await Task.Delay(TimeSpan.FromSeconds(2), Ct);
            code = await CodeAsync(D, secret);
        }

        var joined = Json((await Koi(C, "certmesh", "join", Endpoint(D), "--code", code, "--fingerprint", fingerprint, "--json")).EnsureSuccess().Stdout);
        Assert.Equal("enrolled", joined.GetProperty("status").GetString());
        Assert.Equal(fingerprint, joined.GetProperty("ca_fingerprint").GetString());

        var log = (await Koi(D, "certmesh", "log")).EnsureSuccess().Stdout;
        Assert.Contains("backup_created", log, StringComparison.Ordinal);
        Assert.Contains("ca_restored", log, StringComparison.Ordinal);
        Assert.Contains("restore_refused", log, StringComparison.Ordinal);
    }

    private string Endpoint(string host) => $"http://{Lab.AddressOf(host)}:{KoiDaemon.HttpPort}";

    private async Task<string> CodeAsync(string host, string secret) =>
        (await Lab.RunAsync(host, ["oathtool", "--totp", "-b", secret], Ct)).EnsureSuccess().Stdout.Trim();

    private Task<LabCommandResult> Koi(string host, params string[] arguments) => KoiDaemon.CliAsync(Lab, host, Ct, arguments);

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement.Clone();

    [GeneratedRegex("secret=([A-Z2-7]+)")]
    private static partial Regex SecretPattern();
}
