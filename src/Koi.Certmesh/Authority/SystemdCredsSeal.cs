using Koi.Core.Errors;
using Koi.Core.Processes;

namespace Koi.Certmesh.Authority;

/// <summary>
/// The CA passphrase sealed by <c>systemd-creds</c> (systemd-creds(1)): AES-256-GCM under the host key
/// <c>/var/lib/systemd/credential.secret</c> and, when the machine has one, a key held in its TPM2 — so a copy of the
/// disk without the TPM cannot open it (docs/certmesh.md#auto-unlock-opt-in). koi runs the tool itself at daemon start
/// rather than asking systemd for <c>LoadCredentialEncrypted=</c>: with that directive a missing or undecryptable
/// credential stops the whole service from starting (243/CREDENTIALS), and a locked CA must never take mDNS, DNS
/// and the proxy down with it.
/// </summary>
internal sealed class SystemdCredsSeal(string tool = "systemd-creds")
{
    /// <summary>The name sealed into the credential; systemd-creds refuses to decrypt it under another name.</summary>
    public const string CredentialName = "koi-ca-passphrase";

    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    /// <summary>The credential (systemd-creds' base64 text), or an exception carrying the tool's own message.</summary>
    public async Task<string> EncryptAsync(string passphrase, CancellationToken cancellationToken)
    {
        var run = await ToolRun.RunAsync(tool, ["encrypt", "--name=" + CredentialName, "--with-key=auto", "-", "-"], passphrase, cancellationToken, s_timeout);
        if (run.ExitCode != 0 || run.Stdout.Length == 0)
        {
            throw new KoiException(KoiErrorCode.Unavailable, $"systemd-creds encrypt failed ({Describe(run)}); the auto-unlock method is unchanged");
        }

        return run.Stdout;
    }

    /// <summary>The passphrase, or the reason it could not be had (for "locked: …" in status).</summary>
    public async Task<(string? Passphrase, string? Failure)> DecryptAsync(string path, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            return (null, $"the sealed credential {path} is missing");
        }

        var run = await ToolRun.RunAsync(tool, ["decrypt", "--name=" + CredentialName, path, "-"], "", cancellationToken, s_timeout);
        return run.ExitCode == 0
            ? (run.Stdout, null)
            : (null, $"systemd-creds could not decrypt {path} ({Describe(run)}) — another machine, a changed TPM or host key?");
    }

    private static string Describe(ToolRun run) => run.ExitCode switch
    {
        127 => "systemd-creds not found; it comes with systemd 250 or newer",
        _ => $"exit {run.ExitCode}: {LastLine(run.Stderr)}",
    };

    // systemd-creds warns on stderr before its error (e.g. "not located on encrypted media"); the last line is the error.
    private static string LastLine(string stderr) =>
        stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) is { Length: > 0 } lines ? lines[^1] : "no message";
}
