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
            Decrypt the CA key so the CA can sign again (needed after every daemon start).

            Examples:
              koi certmesh unlock
              koi certmesh unlock --passphrase-stdin < pass.txt
            """);
        passphrase.AddTo(command);
        command.SetHandler(environment, async (cli, ct) =>
        {
            var preset = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
            if (passphrase.Read(cli) is { } text)
            {
                preset["passphrase"] = KoiJson.Element(text);
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
