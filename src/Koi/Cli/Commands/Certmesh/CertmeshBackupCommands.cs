using System.CommandLine;
using System.Text;
using System.Text.Json;
using Koi.Certmesh.Api;
using Koi.Cli.Output;
using Koi.Core.Storage;

namespace Koi.Cli.Commands.Certmesh;

/// <summary><c>koi certmesh backup FILE</c> and <c>koi certmesh restore FILE</c> (docs/certmesh.md, "Backup and restore").</summary>
internal static class CertmeshBackupCommands
{
    public static Command CreateBackup(CliEnvironment environment)
    {
        var file = new Argument<string>("FILE") { Description = "Where to write the encrypted backup (created 0600; an existing file is refused)" };
        var yes = new Option<bool>("--yes") { Description = "Do not ask for the typed confirmation" };
        var passphrase = new PassphraseSource("backup passphrase (not the unlock passphrase; omit to have one proposed)");
        var command = new Command("backup", """
            Write the CA (key, TOTP secret, roster, audit log, policy) to FILE, encrypted under a backup passphrase that
            differs from the unlock passphrase. Without one, a 96-bit passphrase is proposed and printed once. The CA
            must be unlocked. Asks you to type EXPORT.

            Examples:
              koi certmesh backup /media/usb/koi-ca.backup
              koi certmesh backup ca.backup --passphrase-file backup-pass.txt --yes
            """);
        command.Arguments.Add(file);
        command.Options.Add(yes);
        passphrase.AddTo(command);
        command.SetHandler(environment, async (cli, ct) =>
        {
            var path = Path.GetFullPath(cli.Parse.GetValue(file)!);
            if (File.Exists(path))
            {
                throw new UsageException($"{path} exists; choose another name (a backup never overwrites a file)");
            }

            var given = passphrase.Read(cli);
            if (!cli.Parse.GetValue(yes))
            {
                if (!cli.Interactive)
                {
                    throw new UsageException("backup needs --yes when it cannot ask (not a terminal or --json)");
                }

                cli.Stdout.WriteLine("⚠ This file can impersonate any machine on your network.");
                cli.Stdout.WriteLine("  Store it offline. Do not leave it in a Downloads folder.");
                cli.Stdout.Write("Type EXPORT to continue: ");
                if (Console.ReadLine()?.Trim() != "EXPORT")
                {
                    cli.Stderr.WriteLine("no backup written.");
                    return ExitCodes.Failed;
                }
            }

            var answer = await cli.Daemon.SendAsync<JsonElement>(HttpMethod.Post, "/v1/certmesh/backup", new BackupRequest(BackupEndpoints.ExportConfirmation, given), ct);
            AtomicFile.WriteAllText(path, answer.GetProperty("backup").GetString()!, AtomicFile.SecretMode);
            var proposed = answer.TryGetProperty("proposed_passphrase", out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
            if (cli.Json)
            {
                cli.WriteJson(new BackupWritten(path, answer.GetProperty("ca_fingerprint").GetString()!, proposed));
                return ExitCodes.Ok;
            }

            cli.Stdout.WriteLine($"Backup of CA {answer.GetProperty("ca_fingerprint").GetString()} written to {path} (0600).");
            if (proposed is not null)
            {
                cli.Stdout.WriteLine($"Backup passphrase (write it down now; it is not stored anywhere): {proposed}");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command CreateRestore(CliEnvironment environment)
    {
        var file = new Argument<string>("FILE") { Description = "A file written by koi certmesh backup" };
        var force = new Option<bool>("--force") { Description = "Replace the CA that exists on this machine" };
        var backupFile = new Option<string?>("--backup-passphrase-file") { Description = "Read the backup passphrase from the first line of FILE" };
        var newPassphrase = new PassphraseSource("new unlock passphrase of the restored CA");
        var command = new Command("restore", """
            Make this machine the CA from a backup: asks for the backup passphrase, then a new unlock passphrase.
            Refuses when a CA exists here unless --force. A wrong backup passphrase changes nothing.

            Examples:
              koi certmesh restore /media/usb/koi-ca.backup
              koi certmesh restore ca.backup --backup-passphrase-file bp.txt --passphrase-file new-unlock.txt
            """);
        command.Arguments.Add(file);
        command.Options.Add(force);
        command.Options.Add(backupFile);
        newPassphrase.AddTo(command);
        command.SetHandler(environment, async (cli, ct) =>
        {
            var path = cli.Parse.GetValue(file)!;
            if (!File.Exists(path))
            {
                throw new UsageException($"{path} does not exist");
            }

            var backupPassphrase = cli.Parse.GetValue(backupFile) is { } bf
                ? FirstLine(bf, "--backup-passphrase-file")
                : Ask(cli, "Backup passphrase: ");
            var unlock = newPassphrase.Read(cli) ?? Ask(cli, "New unlock passphrase: ");
            var result = await cli.Daemon.SendAsync<JsonElement>(
                HttpMethod.Post, "/v1/certmesh/restore", new RestoreRequest(File.ReadAllText(path), backupPassphrase, unlock, cli.Parse.GetValue(force)), ct);
            if (cli.Json)
            {
                cli.WriteJson(result);
            }
            else
            {
                cli.Stdout.WriteLine($"CA {result.GetProperty("ca_fingerprint").GetString()} restored (backup made on {result.GetProperty("backup_created_on").GetString()}); it is unlocked and announced from this machine.");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static string FirstLine(string file, string option)
    {
        if (!File.Exists(file))
        {
            throw new UsageException($"{option}: {file} does not exist");
        }

        var line = File.ReadLines(file).FirstOrDefault()?.TrimEnd('\r', '\n');
        return string.IsNullOrEmpty(line) ? throw new UsageException($"{option}: {file} is empty") : line;
    }

    /// <summary>Reads a secret from the terminal without echoing it.</summary>
    private static string Ask(CliContext cli, string prompt)
    {
        if (!cli.Interactive)
        {
            throw new UsageException($"cannot ask for the {prompt.TrimEnd(':', ' ').ToLowerInvariant()} (not a terminal); pass it with a file option");
        }

        cli.Stdout.Write(prompt);
        var text = new StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
            {
                break;
            }

            if (key.Key == ConsoleKey.Backspace)
            {
                if (text.Length > 0)
                {
                    text.Length--;
                }

                continue;
            }

            text.Append(key.KeyChar);
        }

        cli.Stdout.WriteLine();
        return text.Length > 0 ? text.ToString() : throw new UsageException("the passphrase is empty");
    }
}
