using System.CommandLine;
using System.Text.Json;
using Koi.Cli.Rendering;
using Koi.Core.Storage;

namespace Koi.Cli.Commands.Certmesh;

/// <summary><c>koi certmesh create</c>: runs the daemon's <c>init</c> ceremony; flags answer its prompts up front.</summary>
internal static class CertmeshCreateCommand
{
    public static Command Create(CliEnvironment environment)
    {
        var profile = new Option<string?>("--profile") { Description = "just-me | team | organization | custom" };
        var operatorName = new Option<string?>("--operator") { Description = "Operator name for the audit trail" };
        var enrollment = new Option<string?>("--enrollment") { Description = "open | closed (default from the profile)" };
        var approval = new Option<string?>("--require-approval") { Description = "true | false (default from the profile)" };
        var domain = new Option<string?>("--domain") { Description = "Domain scope, e.g. school.local" };
        var subnet = new Option<string?>("--subnet") { Description = "Subnet scope, e.g. 192.168.1.0/24" };
        var autoUnlock = new Option<bool>("--auto-unlock") { Description = "Unlock at every daemon start without a passphrase (stores it sealed to this machine id; weaker, reported by compliance). To seal it with systemd-creds (TPM2 when present) instead: koi certmesh unlock --auto systemd-creds" };
        var passphrase = new PassphraseSource();
        var command = new Command("create", """
            Create the certificate mesh's CA on this machine (the daemon's init ceremony).

            Examples:
              koi certmesh create
              koi certmesh create --profile team --operator "Alice"
              koi certmesh create --profile organization --operator "IT" --domain school.local --subnet 192.168.1.0/24
              koi certmesh create --profile just-me --passphrase-file pass.txt --json
            """);
        foreach (var option in new Option[] { profile, operatorName, enrollment, approval, domain, subnet, autoUnlock })
        {
            command.Options.Add(option);
        }

        passphrase.AddTo(command);
        command.SetHandler(environment, async (cli, ct) =>
        {
            var preset = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
            Put(preset, "profile", cli.Parse.GetValue(profile));
            Put(preset, "operator", cli.Parse.GetValue(operatorName));
            Put(preset, "enrollment", cli.Parse.GetValue(enrollment));
            Put(preset, "require_approval", cli.Parse.GetValue(approval));
            Put(preset, "domain", cli.Parse.GetValue(domain));
            Put(preset, "subnet", cli.Parse.GetValue(subnet));
            Put(preset, "passphrase", passphrase.Read(cli));
            if (cli.Parse.GetValue(autoUnlock))
            {
                Put(preset, "auto_unlock", "true");
            }
            var runner = new CeremonyRunner(cli, new PromptRenderer(cli.Out));
            var response = await runner.RunAsync("init", preset, ct);
            if (cli.Json)
            {
                cli.WriteJson(response.Result ?? new Dictionary<string, object?>());
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static void Put(Dictionary<string, JsonElement> data, string key, string? value)
    {
        if (value is not null)
        {
            data[key] = KoiJson.Element(value);
        }
    }
}
