using System.CommandLine;
using System.Text.Json;

namespace Koi.Cli.Commands.Certmesh;

/// <summary><c>koi certmesh roster</c>, <c>log</c> and <c>compliance</c>: reads, rendered as the daemon sends them.</summary>
internal static class CertmeshReadCommands
{
    public static Command CreateRoster(CliEnvironment environment)
    {
        var command = new Command("roster", """
            The full roster (roster.json) as the daemon holds it.

            Examples:
              koi certmesh roster
              koi certmesh roster --json | jq .metadata
            """);
        command.SetHandler(environment, async (cli, ct) =>
        {
            var roster = await cli.Daemon.GetAsync<JsonElement>("/v1/certmesh/roster", ct);
            if (cli.Json)
            {
                cli.WriteJson(roster);
                return ExitCodes.Ok;
            }

            // The daemon's status knows which members are stale (no heartbeat for more than two check intervals).
            var status = await cli.Daemon.GetAsync<JsonElement>("/v1/certmesh/status", ct);
            var stale = status.TryGetProperty("members", out var viewed)
                ? viewed.EnumerateArray().Where(m => m.TryGetProperty("stale", out var s) && s.ValueKind == JsonValueKind.True).Select(m => CertmeshStatusCommand.Text(m, "hostname")).ToHashSet(StringComparer.Ordinal)
                : [];
            var meta = roster.GetProperty("metadata");
            cli.Stdout.WriteLine($"profile {CertmeshStatusCommand.Text(meta, "trust_profile")}, operator {CertmeshStatusCommand.Text(meta, "operator")}, enrollment {CertmeshStatusCommand.Text(meta, "enrollment_state")}");
            foreach (var member in roster.GetProperty("members").EnumerateArray())
            {
                var sans = string.Join(",", member.GetProperty("cert_sans").EnumerateArray().Select(e => e.GetString()));
                var host = CertmeshStatusCommand.Text(member, "hostname");
                var seen = member.TryGetProperty("last_seen", out var last) && last.ValueKind == JsonValueKind.String ? last.GetString() : "never";
                cli.Stdout.WriteLine($"{host,-20} {CertmeshStatusCommand.Text(member, "role"),-8} {CertmeshStatusCommand.Text(member, "status"),-8} expires {CertmeshStatusCommand.Text(member, "cert_expires")}  last seen {seen}{(stale.Contains(host) ? " STALE" : string.Empty)}  {sans}");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command CreateLog(CliEnvironment environment)
    {
        var since = new Option<string?>("--since") { Description = "Only entries at or after this time (ISO 8601) or this long ago (2h, 7d)" };
        var verify = new Option<bool>("--verify") { Description = "Check the hash chain and signatures; exit 1 naming the first bad line" };
        var command = new Command("log", """
            The certmesh audit log; --verify proves nothing was edited, deleted, inserted or reordered.

            Examples:
              koi certmesh log
              koi certmesh log --since 24h
              koi certmesh log --verify
            """);
        command.Options.Add(since);
        command.Options.Add(verify);
        command.SetHandler(environment, async (cli, ct) =>
        {
            var query = new List<string>();
            if (cli.Parse.GetValue(since) is { } from)
            {
                query.Add("since=" + Uri.EscapeDataString(from));
            }

            var check = cli.Parse.GetValue(verify);
            if (check)
            {
                query.Add("verify=true");
            }

            var log = await cli.Daemon.GetAsync<JsonElement>("/v1/certmesh/log" + (query.Count > 0 ? "?" + string.Join('&', query) : string.Empty), ct);
            var verification = log.TryGetProperty("verification", out var v) && v.ValueKind == JsonValueKind.Object ? v : (JsonElement?)null;
            var valid = verification is not { } result || result.GetProperty("valid").GetBoolean();
            if (cli.Json)
            {
                cli.WriteJson(log);
            }
            else
            {
                foreach (var entry in log.GetProperty("entries").EnumerateArray())
                {
                    cli.Stdout.WriteLine(entry.GetProperty("line").GetString());
                }

                if (verification is { } r)
                {
                    cli.Stdout.WriteLine(valid
                        ? $"audit log verified: {r.GetProperty("lines")} lines, chain and signatures intact"
                        : $"audit log BROKEN at line {r.GetProperty("first_bad_line")}: {r.GetProperty("problem").GetString()}");
                    if (valid)
                    {
                        cli.Stdout.WriteLine(SignedHeadLine(r));
                    }
                }
            }

            return valid ? ExitCodes.Ok : ExitCodes.Failed;
        });
        return command;
    }

    /// <summary>
    /// Which lines the CA-signed head covers and which were written after it: those only the audit key vouches for,
    /// so whoever holds the CA's data dir could cut them unseen (docs/certmesh.md "The audit log").
    /// </summary>
    internal static string SignedHeadLine(JsonElement verification)
    {
        if (!verification.TryGetProperty("signed_through", out var through) || through.ValueKind != JsonValueKind.Number)
        {
            return "no CA-signed head yet (it is signed at every join and renewal): every line rests on the audit key alone";
        }

        var lines = verification.GetProperty("lines").GetInt64();
        var signed = through.GetInt64();
        var at = verification.TryGetProperty("head_signed_at", out var when) && when.ValueKind == JsonValueKind.String ? $" at {when.GetString()}" : string.Empty;
        return signed >= lines
            ? $"head signed by the CA{at}: covers all {lines} lines"
            : $"head signed by the CA{at}: covers lines 1-{signed}; lines {signed + 1}-{lines} were written after it (unsigned: not yet under the CA's signature)";
    }

    public static Command CreateCompliance(CliEnvironment environment)
    {
        var command = new Command("compliance", """
            Security summary, adapted to the trust profile (a health line for Just Me, audit-ready otherwise).

            Examples:
              koi certmesh compliance
            """);
        command.SetHandler(environment, async (cli, ct) =>
        {
            var view = await cli.Daemon.GetAsync<JsonElement>("/v1/certmesh/compliance", ct);
            if (cli.Json)
            {
                cli.WriteJson(view);
            }
            else
            {
                cli.Stdout.Write(view.GetProperty("text").GetString());
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
