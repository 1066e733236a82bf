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
            }

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
        var command = new Command("revoke", """
            Revoke a member: the CA refuses it from now on (it cannot rejoin or renew).

            Examples:
              koi certmesh revoke stone-07 --reason "laptop stolen"
            """);
        command.Arguments.Add(host);
        command.Options.Add(reason);
        command.SetHandler(environment, async (cli, ct) =>
        {
            var hostname = cli.Parse.GetValue(host)!;
            var result = await cli.Daemon.SendAsync<JsonElement>(HttpMethod.Post, "/v1/certmesh/revoke", new RevokeRequest(hostname, cli.Parse.GetValue(reason)), ct);
            Print(cli, result, $"Revoked: {hostname}.");
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
