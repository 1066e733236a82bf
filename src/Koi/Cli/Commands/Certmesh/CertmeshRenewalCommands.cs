using System.CommandLine;
using System.Text.Json;
using Koi.Certmesh.Api;

namespace Koi.Cli.Commands.Certmesh;

/// <summary><c>koi certmesh renew</c> and <c>set-hook</c>: this machine's certificate lifecycle, through the local API.</summary>
internal static class CertmeshRenewalCommands
{
    public static Command CreateRenew(CliEnvironment environment)
    {
        var force = new Option<bool>("--force") { Description = "Renew now even if the renew point has not come" };
        var command = new Command("renew", """
            Renew this machine's mesh certificate now if it is due (--force: in any case). On a member the new
            certificate comes from the CA over its mTLS plane; on the CA host it is the CA host's own certificate
            (the CA must be unlocked). The files are swapped as a set; the proxy picks them up without restart, then
            the reload hook runs (koi certmesh set-hook).

            Examples:
              koi certmesh renew
              koi certmesh renew --force
            """);
        command.Options.Add(force);
        command.SetHandler(environment, async (cli, ct) =>
        {
            var result = await cli.Daemon.SendAsync<JsonElement>(HttpMethod.Post, "/v1/certmesh/renew", new RenewNowRequest(cli.Parse.GetValue(force)), ct);
            if (cli.Json)
            {
                cli.WriteJson(result);
            }
            else
            {
                var renewed = result.GetProperty("renewed").GetBoolean();
                var state = CertmeshStatusCommand.Text(result, "state");
                cli.Stdout.WriteLine(renewed
                    ? $"renewed: serial {CertmeshStatusCommand.Text(result, "serial")}, valid until {CertmeshStatusCommand.Text(result, "cert_expires")} ({state})"
                    : $"not renewed ({state}): valid until {CertmeshStatusCommand.Text(result, "cert_expires")}, renews from {CertmeshStatusCommand.Text(result, "renew_at")}");
                if (result.TryGetProperty("detail", out var detail) && detail.ValueKind == JsonValueKind.String)
                {
                    cli.Stderr.WriteLine($"⚠ {detail.GetString()}");
                }
            }

            return CertmeshStatusCommand.Text(result, "state") is "degraded" or "failing" ? ExitCodes.Failed : ExitCodes.Ok;
        });
        return command;
    }

    public static Command CreateSetHook(CliEnvironment environment)
    {
        var reload = new Option<string?>("--reload") { Description = "Command run after every renewal (argv, no shell), e.g. \"systemctl reload nginx\"" };
        var clear = new Option<bool>("--clear") { Description = "Remove the reload hook" };
        var command = new Command("set-hook", """
            On a member: the command to run after every renewal of this machine's certificate. It runs as argv,
            without a shell, with a timeout; a non-zero exit marks the renewal degraded (the new files stay).
            The CA sees it in its roster copy (heartbeat).

            Examples:
              koi certmesh set-hook --reload "systemctl reload nginx"
              koi certmesh set-hook --clear
            """);
        command.Options.Add(reload);
        command.Options.Add(clear);
        command.SetHandler(environment, async (cli, ct) =>
        {
            var command = cli.Parse.GetValue(reload);
            var remove = cli.Parse.GetValue(clear);
            if (command is null == !remove)
            {
                throw new UsageException("give either --reload \"command\" or --clear");
            }

            var result = await cli.Daemon.SendAsync<JsonElement>(HttpMethod.Put, "/v1/certmesh/member/hook", new MemberEndpoints.SetHookRequest(command, remove), ct);
            if (cli.Json)
            {
                cli.WriteJson(result);
            }
            else
            {
                cli.Stdout.WriteLine(result.TryGetProperty("reload_hook", out var hook) && hook.ValueKind == JsonValueKind.String
                    ? $"reload hook: {hook.GetString()}"
                    : "reload hook cleared");
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
