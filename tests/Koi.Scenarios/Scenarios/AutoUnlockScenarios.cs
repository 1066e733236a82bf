using System.Text.Json;
using Koi.Scenarios.Harness;

namespace Koi.Scenarios.Scenarios;

/// <summary>
/// Auto-unlock through the real <c>systemd-creds</c>, in a real systemd (PID 1 of its own namespaces, whose host key
/// lands in the namespace's /var overlay): the installed koi comes back unlocked after a restart, and a missing or
/// foreign credential leaves the CA locked with the reason while koi itself keeps running.
/// </summary>
public sealed class AutoUnlockScenarios
{
    private const string Unit = "koi.service";
    private const string Passphrase = "lab systemd-creds passphrase 2026";
    private const string PassphraseFile = "/root/koi-ca-passphrase";
    private const string Credential = KoiDaemon.DataDir + "/certmesh/ca/auto-unlock.cred";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact(Timeout = 300_000)]
    public async Task UnlockAuto_SystemdCreds_RestartComesBackUnlockedBrokenCredentialLockedWithReasonServiceStillRuns()
    {
        LabRequirements.SkipUnlessAvailable();
        await using var host = await SystemdHost.BootAsync(Ct);
        (await host.RunAsync(["sh", "-c", $"umask 077 && echo '{Passphrase}' > {PassphraseFile}"], Ct)).EnsureSuccess();
        (await host.RunAsync([KoiDaemon.Binary, "install"], Ct)).EnsureSuccess();
        (await host.RunAsync([KoiDaemon.Binary, "certmesh", "create", "--profile", "just-me", "--passphrase-file", PassphraseFile, "--json"], Ct)).EnsureSuccess();

        // Without auto-unlock a restart comes back locked, as designed.
        await RestartAsync(host);
        var locked = await CertmeshStatusAsync(host);
        Assert.True(locked.GetProperty("locked").GetBoolean());
        Assert.Equal("off", locked.GetProperty("auto_unlock").GetString());

        // A wrong passphrase stores nothing.
        (await host.RunAsync(["sh", "-c", "echo 'not the passphrase at all' > /root/wrong"], Ct)).EnsureSuccess();
        var wrong = await host.RunAsync([KoiDaemon.Binary, "certmesh", "unlock", "--auto", "systemd-creds", "--passphrase-file", "/root/wrong"], Ct);
        Assert.NotEqual(0, wrong.ExitCode);
        Assert.False((await host.RunAsync(["test", "-e", Credential], Ct)).Succeeded);

        var set = (await host.RunAsync([KoiDaemon.Binary, "certmesh", "unlock", "--auto", "systemd-creds", "--passphrase-file", PassphraseFile], Ct)).EnsureSuccess();
        Assert.Contains("systemd-creds", set.Stdout);
        Assert.Equal("600", (await host.RunAsync(["stat", "-c", "%a", Credential], Ct)).EnsureSuccess().Stdout.Trim());
        Assert.DoesNotContain(Passphrase, (await host.RunAsync(["cat", Credential], Ct)).EnsureSuccess().Stdout);
        // systemd-creds made the host key (in the namespace's /var overlay) and sealed to it.
        (await host.RunAsync(["test", "-s", "/var/lib/systemd/credential.secret"], Ct)).EnsureSuccess();

        // The "reboot": the service restarts and the CA is unlocked with nobody at the console.
        await RestartAsync(host);
        var unlocked = await CertmeshStatusAsync(host);
        Assert.False(unlocked.GetProperty("locked").GetBoolean());
        Assert.Equal("systemd-creds", unlocked.GetProperty("auto_unlock").GetString());
        Assert.Equal("unlocked (auto-unlock: systemd-creds)", unlocked.GetProperty("lock_state").GetString());
        Assert.Contains(unlocked.GetProperty("warnings").EnumerateArray(), w => w.GetString()!.Contains("AUTO-UNLOCK is on (systemd-creds)", StringComparison.Ordinal));

        // Another machine's credential (here: sealed under another name, so this host cannot open it as koi's):
        // locked, with the reason, and koi itself still serves.
        (await host.RunAsync(["sh", "-c", $"echo -n '{Passphrase}' | systemd-creds encrypt --name=someone-else - {Credential}"], Ct)).EnsureSuccess();
        await RestartAsync(host);
        var foreign = await CertmeshStatusAsync(host);
        Assert.True(foreign.GetProperty("locked").GetBoolean());
        Assert.StartsWith("locked: auto-unlock (systemd-creds) refused: systemd-creds could not decrypt", foreign.GetProperty("lock_state").GetString());
        Assert.Equal("active", (await host.RunAsync(["systemctl", "is-active", Unit], Ct)).Stdout.Trim());

        (await host.RunAsync(["rm", Credential], Ct)).EnsureSuccess();
        await RestartAsync(host);
        var missing = await CertmeshStatusAsync(host);
        Assert.True(missing.GetProperty("locked").GetBoolean());
        Assert.Contains("is missing", missing.GetProperty("lock_state").GetString());

        // By hand still works; --auto off stops it for good.
        (await host.RunAsync([KoiDaemon.Binary, "certmesh", "unlock", "--auto", "off", "--passphrase-file", PassphraseFile], Ct)).EnsureSuccess();
        Assert.False((await CertmeshStatusAsync(host)).GetProperty("locked").GetBoolean());
        await RestartAsync(host);
        var off = await CertmeshStatusAsync(host);
        Assert.True(off.GetProperty("locked").GetBoolean());
        Assert.Equal("off", off.GetProperty("auto_unlock").GetString());
        Assert.Equal("locked: koi certmesh unlock", off.GetProperty("lock_state").GetString());
    }

    /// <summary>
    /// systemctl restart returns once koi said READY=1 (Type=notify), i.e. after certmesh loaded. The unit allows 5
    /// starts in 120 s (StartLimitBurst) and counts deliberate restarts too; reset-failed clears that count.
    /// </summary>
    private static async Task RestartAsync(SystemdHost host)
    {
        (await host.RunAsync(["systemctl", "reset-failed", Unit], Ct)).EnsureSuccess();
        (await host.RunAsync(["systemctl", "restart", Unit], Ct)).EnsureSuccess();
    }

    private static async Task<JsonElement> CertmeshStatusAsync(SystemdHost host)
    {
        var status = (await host.RunAsync([KoiDaemon.Binary, "certmesh", "status", "--json"], Ct)).EnsureSuccess();
        using var json = JsonDocument.Parse(status.Stdout);
        return json.RootElement.Clone();
    }
}
