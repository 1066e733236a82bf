using System.CommandLine;
using System.Text.Json;
using Koi.Certmesh.Api;
using Koi.Certmesh.Enrollment;

namespace Koi.Cli.Commands.Certmesh;

/// <summary>The CA operator's side of joining: see who waits, approve or deny them, revoke a member.</summary>
internal static class CertmeshApprovalCommands
{
    public static Command CreatePending(CliEnvironment environment)
    {
        var command = new Command("pending", """
            List join requests waiting for approval (profiles that require it).

            Examples:
              koi certmesh pending
              koi certmesh pending --json
            """);
        command.SetHandler(environment, async (cli, ct) =>
        {
            var view = await cli.Daemon.GetAsync<JsonElement>("/v1/certmesh/pending", ct);
            if (cli.Json)
            {
                cli.WriteJson(view);
                return ExitCodes.Ok;
            }

            var requests = view.GetProperty("requests").EnumerateArray().ToList();
            if (requests.Count == 0)
            {
                cli.Stdout.WriteLine("No join requests waiting.");
                return ExitCodes.Ok;
            }

            cli.Stdout.WriteLine($"{"HOSTNAME",-24} {"ADDRESS",-16} {"TOTP",-6} {"SCOPE",-9} REQUESTED");
            foreach (var request in requests)
            {
                cli.Stdout.WriteLine(
                    $"{CertmeshStatusCommand.Text(request, "hostname"),-24} {CertmeshStatusCommand.Text(request, "address"),-16} "
                    + $"{(Flag(request, "totp_valid") ? "valid" : "BAD"),-6} {(Flag(request, "in_scope") ? "in" : "OUT"),-9} {CertmeshStatusCommand.Text(request, "requested_at")}");
                cli.Stdout.WriteLine($"  key {CertmeshStatusCommand.Text(request, "key_fingerprint")}");
            }

            cli.Stdout.WriteLine("Compare each key with the one `koi certmesh join` prints on that machine while it waits.");

            cli.Stdout.WriteLine("Decide with: koi certmesh approve HOST | koi certmesh deny HOST");
            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command CreateApprove(CliEnvironment environment)
    {
        var host = new Argument<string>("hostname") { Description = "The waiting machine's hostname" };
        var by = new Option<string?>("--by") { Description = "Who approves (default: the mesh operator)" };
        var command = new Command("approve", """
            Approve a waiting join request: the CA signs the machine's certificate and it becomes a member.

            Examples:
              koi certmesh approve stone-05
            """);
        command.Arguments.Add(host);
        command.Options.Add(by);
        command.SetHandler(environment, async (cli, ct) =>
        {
            var hostname = cli.Parse.GetValue(host)!;
            var result = await cli.Daemon.SendAsync<JsonElement>(HttpMethod.Post, "/v1/certmesh/approve", new ApproveRequest(hostname, cli.Parse.GetValue(by)), ct);
            Print(cli, result, $"Approved: {hostname} is now a member.");
            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command CreateDeny(CliEnvironment environment)
    {
        var host = new Argument<string>("hostname") { Description = "The waiting machine's hostname" };
        var reason = new Option<string?>("--reason") { Description = "Why (kept in the audit log)" };
        var command = new Command("deny", """
            Deny a waiting join request; the joiner is told and nothing is signed.

            Examples:
              koi certmesh deny stone-05 --reason "not ours"
            """);
        command.Arguments.Add(host);
        command.Options.Add(reason);
        command.SetHandler(environment, async (cli, ct) =>
        {
            var hostname = cli.Parse.GetValue(host)!;
            var result = await cli.Daemon.SendAsync<JsonElement>(HttpMethod.Post, "/v1/certmesh/deny", new DenyRequest(hostname, cli.Parse.GetValue(reason)), ct);
            Print(cli, result, $"Denied: {hostname}.");
            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command CreateRevoke(CliEnvironment environment)
    {
        var host = new Argument<string>("hostname") { Description = "The member to revoke" };
        var reason = new Option<string?>("--reason") { Description = "Why (kept in the roster and the audit log)" };
        var yes = new Option<bool>("--yes") { Description = "Do not ask for confirmation (for scripts)" };
        var command = new Command("revoke", """
            Revoke a member: the CA refuses it from now on (it cannot rejoin or renew), and signs a new trust bundle and
            CRL naming its certificate. Members fetch the bundle at once (nudged) or at their next CA check; from then
            koi's members-only listeners refuse it at the TLS handshake, and nginx with ssl_crl does too once it
            reloads the CRL. Asks for confirmation; cannot be undone.

            Examples:
              koi certmesh revoke stone-07 --reason "laptop stolen"
              koi certmesh revoke stone-07 --yes
            """);
        command.Arguments.Add(host);
        command.Options.Add(reason);
        command.Options.Add(yes);
        command.SetHandler(environment, async (cli, ct) =>
        {
            var hostname = cli.Parse.GetValue(host)!;
            if (!cli.Parse.GetValue(yes))
            {
                if (!cli.Interactive)
                {
                    throw new UsageException("revoke needs --yes when it cannot ask (not a terminal or --json)");
                }

                cli.Stdout.Write($"Revoke {hostname}? Its certificate stops working on every mesh member; it cannot rejoin under this name. [y/N] ");
                if (Console.ReadLine()?.Trim().ToLowerInvariant() is not ("y" or "yes"))
                {
                    cli.Stderr.WriteLine("not revoked.");
                    return ExitCodes.Failed;
                }
            }

            var result = await cli.Daemon.SendAsync<JsonElement>(HttpMethod.Post, "/v1/certmesh/revoke", new RevokeRequest(hostname, cli.Parse.GetValue(reason)), ct);
            var note = result.TryGetProperty("note", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;
            var sequence = result.TryGetProperty("bundle_sequence", out var s) && s.ValueKind == JsonValueKind.Number ? s.GetInt64() : (long?)null;
            Print(cli, result, sequence is { } seq ? $"Revoked: {hostname}. Trust bundle {seq} and CRL signed; members are being told." : $"Revoked: {hostname}.");
            if (!cli.Json && note is not null)
            {
                cli.Stderr.WriteLine($"⚠ {note}");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command CreateVerifyCa(CliEnvironment environment)
    {
        var command = new Command("verify-ca", """
            On a member: prove now that the CA endpoint is still the CA this machine pinned (the daemon also checks
            every few minutes). A different fingerprint is reported as a possible MITM.

            Examples:
              koi certmesh verify-ca
            """);
        command.SetHandler(environment, async (cli, ct) =>
        {
            var member = await cli.Daemon.SendAsync<JsonElement>(HttpMethod.Post, "/v1/certmesh/member/verify-ca", null, ct);
            var alert = member.TryGetProperty("alert", out var a) && a.ValueKind == JsonValueKind.Object && a.GetProperty("active").GetBoolean() ? a : (JsonElement?)null;
            if (cli.Json)
            {
                cli.WriteJson(member);
            }
            else if (alert is { } active)
            {
                cli.Stderr.WriteLine($"⚠ {CertmeshStatusCommand.Text(active, "message")}");
                cli.Stderr.WriteLine($"  {CertmeshStatusCommand.Text(active, "remedy")}");
            }
            else
            {
                cli.Stdout.WriteLine($"CA {CertmeshStatusCommand.Text(member, "ca_hostname")} at {CertmeshStatusCommand.Text(member, "ca_endpoint")} verified: {CertmeshStatusCommand.Text(member, "pinned_ca_fingerprint")}");
            }

            return alert is null ? ExitCodes.Ok : ExitCodes.Failed;
        });
        return command;
    }

    private static bool Flag(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.True;

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
