using System.CommandLine;
using System.Text.Json;

namespace Koi.Cli.Commands.Certmesh;

/// <summary><c>koi certmesh status</c>: profile, enrollment, lock state, trust stores, members and warnings.</summary>
internal static class CertmeshStatusCommand
{
    public static Command Create(CliEnvironment environment)
    {
        var command = new Command("status", """
            The mesh at a glance: profile, enrollment, CA lock state, trust stores, members, warnings.

            Examples:
              koi certmesh status
              koi certmesh status --json | jq '.members[] | {hostname, cert_expires}'
            """);
        command.SetHandler(environment, async (cli, ct) =>
        {
            var status = await cli.Daemon.GetAsync<JsonElement>("/v1/certmesh/status", ct);
            if (cli.Json)
            {
                cli.WriteJson(status);
            }
            else
            {
                Render(cli.Stdout, status);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static void Render(TextWriter o, JsonElement s)
    {
        o.WriteLine("Certificate Mesh Status");
        if (!s.GetProperty("initialized").GetBoolean())
        {
            o.WriteLine("  No CA on this machine yet: koi certmesh create");
            return;
        }

        o.WriteLine($"  Profile:     {Text(s, "profile")}");
        o.WriteLine($"  CA:          {(s.GetProperty("locked").GetBoolean() ? "locked" : "unlocked")} (fingerprint {Text(s, "ca_fingerprint")})");
        var closes = Text(s, "enrollment_closes_at");
        o.WriteLine($"  Enrollment:  {Text(s, "enrollment_state")}{(closes.Length > 0 ? $" until {closes}" : string.Empty)}");
        var members = s.GetProperty("members");
        o.WriteLine($"  Members:     {members.EnumerateArray().Count(m => Text(m, "status") == "active")} active");
        foreach (var member in members.EnumerateArray())
        {
            o.WriteLine();
            o.WriteLine($"  {Text(member, "hostname")} ({Text(member, "role")}, {Text(member, "status")})");
            o.WriteLine($"    Fingerprint: {Text(member, "cert_fingerprint")}");
            o.WriteLine($"    Expires:     {Text(member, "cert_expires")}");
            o.WriteLine($"    Cert path:   {Text(member, "cert_path")}");
        }

        if (s.GetProperty("trust").GetArrayLength() > 0)
        {
            o.WriteLine();
            o.WriteLine("  Trust stores:");
            foreach (var store in s.GetProperty("trust").EnumerateArray())
            {
                o.WriteLine($"    {Text(store, "store")}: {Text(store, "state")}");
            }
        }

        if (s.GetProperty("warnings").GetArrayLength() > 0)
        {
            o.WriteLine();
            o.WriteLine("  Warnings:");
            foreach (var warning in s.GetProperty("warnings").EnumerateArray())
            {
                o.WriteLine($"    ! {warning.GetString()}");
            }
        }
    }

    internal static string Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value.ToString() : string.Empty;
}
