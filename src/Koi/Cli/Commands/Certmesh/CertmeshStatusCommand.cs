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
        if (s.TryGetProperty("member", out var membership) && membership.ValueKind == JsonValueKind.Object)
        {
            RenderMembership(o, membership);
            RenderHa(o, s);
            RenderWarnings(o, s);
            return;
        }

        if (!s.GetProperty("initialized").GetBoolean())
        {
            o.WriteLine("  No CA on this machine yet: koi certmesh create (or join one: koi certmesh join)");
            return;
        }

        o.WriteLine($"  Profile:     {Text(s, "profile")}");
        var lockState = Text(s, "lock_state") is { Length: > 0 } state ? state : s.GetProperty("locked").GetBoolean() ? "locked" : "unlocked";
        o.WriteLine($"  CA:          {lockState} (fingerprint {Text(s, "ca_fingerprint")})");
        o.WriteLine($"  Auto-unlock: {Text(s, "auto_unlock")}");
        var closes = Text(s, "enrollment_closes_at");
        o.WriteLine($"  Enrollment:  {Text(s, "enrollment_state")}{(closes.Length > 0 ? $" until {closes}" : string.Empty)}");
        var members = s.GetProperty("members");
        o.WriteLine($"  Members:     {members.EnumerateArray().Count(m => Text(m, "status") == "active")} active");
        RenderHa(o, s);
        foreach (var member in members.EnumerateArray())
        {
            o.WriteLine();
            o.WriteLine($"  {Text(member, "hostname")} ({Text(member, "role")}, {Text(member, "status")})");
            o.WriteLine($"    Fingerprint: {Text(member, "cert_fingerprint")}");
            o.WriteLine($"    Expires:     {Text(member, "cert_expires")}");
            o.WriteLine($"    Cert path:   {Text(member, "cert_path")}");
            RenderServiceNames(o, member, "    ");
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

        RenderWarnings(o, s);
    }

    /// <summary>Who is primary and standby, and since when (docs/certmesh.md, "Standby CA").</summary>
    private static void RenderHa(TextWriter o, JsonElement s)
    {
        if (!s.TryGetProperty("ha", out var ha) || ha.ValueKind != JsonValueKind.Object || Text(ha, "role") == "none")
        {
            return;
        }

        var standby = Text(ha, "standby");
        o.WriteLine($"  This CA:     {Text(ha, "role")} since {Text(ha, "since")} (epoch {Text(ha, "epoch")})");
        o.WriteLine($"  Primary:     {Text(ha, "primary")}");
        o.WriteLine($"  Standby:     {(standby.Length > 0 ? standby : "none (koi certmesh promote on a member)")}");
        if (ha.TryGetProperty("standby_unlocked", out var unlocked) && unlocked.ValueKind is JsonValueKind.True or JsonValueKind.False)
        {
            o.WriteLine($"  Takeover:    {(unlocked.GetBoolean() ? "ready (unlocked)" : "NOT possible while locked: koi certmesh unlock")}");
        }
    }

    private static void RenderMembership(TextWriter o, JsonElement m)
    {
        o.WriteLine($"  Member:      {Text(m, "hostname")} (joined {Text(m, "joined_at")})");
        o.WriteLine($"  CA:          {Text(m, "ca_hostname")} at {Text(m, "ca_endpoint")} (profile {Text(m, "profile")})");
        o.WriteLine($"  Pinned:      {Text(m, "pinned_ca_fingerprint")}");
        o.WriteLine($"  Verified:    {Text(m, "last_verified")}");
        o.WriteLine($"  Expires:     {Text(m, "cert_expires")}");
        o.WriteLine($"  Cert path:   {Text(m, "cert_path")}");
        RenderServiceNames(o, m, "  ");
        if (m.TryGetProperty("alert", out var alert) && alert.ValueKind == JsonValueKind.Object && !alert.GetProperty("active").GetBoolean())
        {
            o.WriteLine($"  Last alert:  {Text(alert, "detected_at")} {Text(alert, "message")} (a later check passed)");
        }
    }

    /// <summary>Each service name asked for: granted (on the certificate) or refused with the CA's reason.</summary>
    private static void RenderServiceNames(TextWriter o, JsonElement m, string indent)
    {
        if (!m.TryGetProperty("service_names", out var names) || names.ValueKind != JsonValueKind.Array || names.GetArrayLength() == 0)
        {
            return;
        }

        o.WriteLine($"{indent}Names:");
        foreach (var name in names.EnumerateArray())
        {
            var granted = name.GetProperty("granted").GetBoolean();
            o.WriteLine($"{indent}  {Text(name, "name")}: {(granted ? "granted" : $"refused ({Text(name, "reason")})")}");
        }
    }

    private static void RenderWarnings(TextWriter o, JsonElement s)
    {
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
