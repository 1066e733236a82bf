using System.CommandLine;
using System.Text.Json;
using Koi.Certmesh.Api;
using Koi.Cli.Rendering;
using Koi.Core.Storage;

namespace Koi.Cli.Commands.Certmesh;

/// <summary><c>koi certmesh unlock</c> (the daemon's unlock ceremony) and <c>koi certmesh lock</c>.</summary>
internal static class CertmeshUnlockCommand
{
    public static Command CreateUnlock(CliEnvironment environment)
    {
        var passphrase = new PassphraseSource();
        var command = new Command("unlock", """
            Decrypt the CA key so the CA can sign again (needed after every daemon start, unless auto-unlock is on).

            Examples:
              koi certmesh unlock
              koi certmesh unlock --passphrase-stdin < pass.txt
              sudo koi certmesh unlock --auto systemd-creds    # unlock now and at every start (sealed by systemd-creds)
              koi certmesh unlock --auto off                   # back to locked at every start
            """);
        passphrase.AddTo(command);
        var auto = new Option<string?>("--auto")
        {
            Description = "Also set how the CA unlocks itself at daemon start: systemd-creds (sealed by systemd, TPM2 when present), machine-id, or off",
        };
        auto.AcceptOnlyFromAmong("systemd-creds", "machine-id", "off");
        command.Options.Add(auto);
        command.SetHandler(environment, async (cli, ct) =>
        {
            var preset = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
            if (passphrase.Read(cli) is { } text)
            {
                preset["passphrase"] = KoiJson.Element(text);
            }

            if (cli.Parse.GetValue(auto) is { } method)
            {
                preset["auto_unlock"] = KoiJson.Element(method);
                if (method == "systemd-creds")
                {
                    await EnsureHostKeyAsync(cli, ct);
                }
            }

            var response = await new CeremonyRunner(cli, new PromptRenderer(cli.Out)).RunAsync("unlock", preset, ct);
            if (cli.Json)
            {
                cli.WriteJson(response.Result ?? new Dictionary<string, object?>());
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>
    /// The daemon seals with systemd-creds inside its unit's <c>ProtectSystem=strict</c>, where
    /// <c>/var/lib/systemd</c> is read-only: the host key must exist before, and this (root, unconfined) makes it.
    /// </summary>
    private static async Task EnsureHostKeyAsync(CliContext cli, CancellationToken ct)
    {
        var (exit, output) = await Koi.Core.Processes.CommandRunner.RunAsync("systemd-creds", ["setup"], ct);
        if (exit != 0)
        {
            cli.Stderr.WriteLine($"systemd-creds setup failed (exit {exit}): {output}");
        }
    }

    public static Command CreateLock(CliEnvironment environment)
    {
        var command = new Command("lock", """
            Forget the decrypted CA key: signing stops until the next unlock.

            Examples:
              koi certmesh lock
            """);
        command.SetHandler(environment, async (cli, ct) =>
        {
            var result = await cli.Daemon.SendAsync<JsonElement>(HttpMethod.Post, "/v1/certmesh/lock", null, ct);
            if (cli.Json)
            {
                cli.WriteJson(result);
            }
            else
            {
                cli.Stdout.WriteLine("CA locked.");
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
