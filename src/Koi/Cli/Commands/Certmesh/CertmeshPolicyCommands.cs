using System.CommandLine;
using System.Text.Json;
using Koi.Certmesh.Api;
using Koi.Cli.Rendering;

namespace Koi.Cli.Commands.Certmesh;

/// <summary>Commands that change the mesh's posture: enrollment windows, TOTP rotation, policy, destroy.</summary>
internal static class CertmeshPolicyCommands
{
    public static Command CreateOpenEnrollment(CliEnvironment environment)
    {
        var duration = new Option<string?>("--duration") { Description = "Close automatically after this long (30m, 2h, 1d)" };
        var command = new Command("open-enrollment", """
            Open enrollment (optionally for a limited window; it closes itself and the closing is audited).

            Examples:
              koi certmesh open-enrollment --duration 2h
            """);
        command.Options.Add(duration);
        command.SetHandler(environment, async (cli, ct) =>
        {
            var view = await cli.Daemon.SendAsync<JsonElement>(HttpMethod.Post, "/v1/certmesh/open-enrollment", new OpenEnrollmentRequest(cli.Parse.GetValue(duration)), ct);
            var until = CertmeshStatusCommand.Text(view, "enrollment_closes_at");
            Print(cli, view, until.Length > 0 ? $"Enrollment window open until {until}." : "Enrollment open (until close-enrollment).");
            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command CreateCloseEnrollment(CliEnvironment environment)
    {
        var command = new Command("close-enrollment", """
            Close enrollment: valid TOTP codes are refused until it is opened again.

            Examples:
              koi certmesh close-enrollment
            """);
        command.SetHandler(environment, async (cli, ct) =>
        {
            Print(cli, await cli.Daemon.SendAsync<JsonElement>(HttpMethod.Post, "/v1/certmesh/close-enrollment", null, ct), "Enrollment window closed.");
            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command CreateRotateTotp(CliEnvironment environment)
    {
        var command = new Command("rotate-totp", """
            New TOTP secret (new QR code); codes from the old one stop working at once. Run it when someone leaves.

            Examples:
              koi certmesh rotate-totp
            """);
        command.SetHandler(environment, async (cli, ct) =>
        {
            var result = await cli.Daemon.SendAsync<JsonElement>(HttpMethod.Post, "/v1/certmesh/rotate-totp", new RotateTotpRequest(null), ct);
            if (cli.Json)
            {
                cli.WriteJson(result);
            }
            else
            {
                var uri = result.GetProperty("totp_uri").GetString()!;
                cli.Stdout.WriteLine("New TOTP secret. Scan this QR code with your authenticator app (the old entry no longer works):");
                cli.Stdout.Write(QrText.Render(uri));
                cli.Stdout.WriteLine(uri);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command CreateSetPolicy(CliEnvironment environment)
    {
        var lifetime = new Option<int?>("--lifetime-days") { Description = "Service certificate lifetime in days (1-397)" };
        var renew = new Option<int?>("--renew-at-day") { Description = "Renew when a certificate reaches this age in days" };
        var lifetimeMinutes = new Option<int?>("--lifetime-minutes") { Description = "Test setting: lifetime in minutes (with --renew-at-minute)" };
        var renewMinute = new Option<int?>("--renew-at-minute") { Description = "Test setting: renew at this age in minutes" };
        var command = new Command("set-policy", """
            Change the certificate policy for future issuance and renewal.

            Examples:
              koi certmesh set-policy --lifetime-days 30 --renew-at-day 20
              koi certmesh set-policy --lifetime-minutes 3 --renew-at-minute 2   (a test setting: watch renewals)
            """);
        command.Options.Add(lifetime);
        command.Options.Add(renew);
        command.Options.Add(lifetimeMinutes);
        command.Options.Add(renewMinute);
        command.SetHandler(environment, async (cli, ct) =>
        {
            var body = new SetPolicyRequest(cli.Parse.GetValue(lifetime), cli.Parse.GetValue(renew), cli.Parse.GetValue(lifetimeMinutes), cli.Parse.GetValue(renewMinute));
            if (body.LifetimeDays is null && body.RenewAtDay is null && body.LifetimeMinutes is null && body.RenewAtMinute is null)
            {
                throw new UsageException("give --lifetime-days and/or --renew-at-day (or the test setting --lifetime-minutes with --renew-at-minute)");
            }

            var policy = await cli.Daemon.SendAsync<JsonElement>(HttpMethod.Put, "/v1/certmesh/set-policy", body, ct);
            Print(cli, policy, policy.TryGetProperty("lifetime_minutes", out var minutes)
                ? $"Policy (test setting): {minutes} minutes, renew at minute {policy.GetProperty("renew_at_minute")}."
                : $"Policy: {policy.GetProperty("lifetime_days")} days, renew at day {policy.GetProperty("renew_at_day")}.");
            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command CreateDestroy(CliEnvironment environment)
    {
        var yes = new Option<bool>("--yes") { Description = "Do not ask for the typed confirmation" };
        var command = new Command("destroy", """
            Destroy the CA: its keys, roster, audit log, this machine's certificates, the trust-store entries koi added
            and the mDNS announcement. Members' certificates stop being renewable. Asks you to type DESTROY.

            Examples:
              koi certmesh destroy
              koi certmesh destroy --yes
            """);
        command.Options.Add(yes);
        command.SetHandler(environment, async (cli, ct) =>
        {
            if (!cli.Parse.GetValue(yes))
            {
                if (!cli.Interactive)
                {
                    throw new UsageException("destroy needs --yes when it cannot ask (not a terminal or --json)");
                }

                cli.Stdout.WriteLine("⚠ This destroys the CA key, the roster and the audit log. It cannot be undone.");
                cli.Stdout.Write("Type DESTROY to continue: ");
                if (Console.ReadLine()?.Trim() != "DESTROY")
                {
                    cli.Stderr.WriteLine("not destroyed.");
                    return ExitCodes.Failed;
                }
            }

            Print(cli, await cli.Daemon.SendAsync<JsonElement>(HttpMethod.Post, "/v1/certmesh/destroy", new DestroyRequest(CertmeshEndpoints.DestroyConfirmation), ct), "Certificate mesh destroyed.");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static void Print(CliContext cli, JsonElement result, string text)
    {
        if (cli.Json)
        {
            cli.WriteJson(result);
        }
        else
        {
            cli.Stdout.WriteLine(text);
        }
    }
}
