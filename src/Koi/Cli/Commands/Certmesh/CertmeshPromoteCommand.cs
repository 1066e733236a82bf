using System.CommandLine;
using System.Text.Json;
using Koi.Cli.Rendering;
using Koi.Core.Storage;

namespace Koi.Cli.Commands.Certmesh;

/// <summary><c>koi certmesh promote</c>: the daemon's promote ceremony on a member (docs/certmesh.md, "Standby CA").</summary>
internal static class CertmeshPromoteCommand
{
    public static Command Create(CliEnvironment environment)
    {
        var passphrase = new PassphraseSource("standby unlock passphrase");
        var code = new Option<string?>("--code") { Description = "The 6-digit code the CA's authenticator shows now (asked when absent)" };
        var command = new Command("promote", """
            Make this member the standby CA: after a TOTP code from the primary's authenticator, the CA key travels
            encrypted end to end from the primary and is kept here under a passphrase you set. The standby follows
            the primary and takes over if it goes away.

            Examples:
              koi certmesh promote
              koi certmesh promote --code 123456 --passphrase-file standby-pass.txt
            """);
        command.Options.Add(code);
        passphrase.AddTo(command);
        command.SetHandler(environment, async (cli, ct) =>
        {
            var preset = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
            if (cli.Parse.GetValue(code) is { } text)
            {
                preset["totp_code"] = KoiJson.Element(text);
            }

            if (passphrase.Read(cli) is { } secret)
            {
                preset["passphrase"] = KoiJson.Element(secret);
            }

            var response = await new CeremonyRunner(cli, new PromptRenderer(cli.Out)).RunAsync("promote", preset, ct);
            if (cli.Json)
            {
                cli.WriteJson(response.Result ?? new Dictionary<string, object?>());
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
