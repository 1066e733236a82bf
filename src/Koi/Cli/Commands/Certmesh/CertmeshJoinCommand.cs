using System.CommandLine;
using System.Text.Json;
using Koi.Certmesh.Api;
using Koi.Certmesh.Membership;

namespace Koi.Cli.Commands.Certmesh;

/// <summary>
/// <c>koi certmesh join</c> (docs/certmesh.md "Joining"): find the CA, have its fingerprint confirmed (<c>--fingerprint</c>
/// or a yes at the prompt, as SSH asks; otherwise trust on first use, said so), send a TOTP code over TLS to the CA.
/// This machine's daemon makes the key and the CSR; the key never leaves it.
/// </summary>
internal static class CertmeshJoinCommand
{
    public static readonly TimeSpan ApprovalWait = TimeSpan.FromMinutes(10);
    public static readonly TimeSpan PollEvery = TimeSpan.FromSeconds(2);

    public static Command Create(CliEnvironment environment)
    {
        var endpoint = new Argument<string?>("endpoint") { Description = "The CA, e.g. http://stone-01.local:5641 (default: find it over mDNS)", Arity = ArgumentArity.ZeroOrOne };
        var code = new Option<string?>("--code") { Description = "The current 6-digit code from the authenticator app" };
        var codeStdin = new Option<bool>("--code-stdin") { Description = "Read the code from standard input" };
        var fingerprint = new Option<string?>("--fingerprint") { Description = "Refuse unless the CA's fingerprint starts with this (at least 16 hex digits; read it on the CA: koi certmesh status)" };
        var command = new Command("join", """
            Join a certificate mesh: this machine gets a certificate from the CA and trusts the CA.

            Examples:
              koi certmesh join
              koi certmesh join http://10.0.0.5:5641 --code 123456
              oathtool --totp -b "$SECRET" | koi certmesh join --code-stdin --fingerprint 3f2a… --json
            """);
        command.Arguments.Add(endpoint);
        command.Options.Add(code);
        command.Options.Add(codeStdin);
        command.Options.Add(fingerprint);
        command.SetHandler(environment, async (cli, ct) =>
        {
            if (cli.Parse.GetValue(code) is not null && cli.Parse.GetValue(codeStdin))
            {
                throw new UsageException("give the code one way: --code or --code-stdin");
            }

            if (cli.Json && cli.Parse.GetValue(code) is null && !cli.Parse.GetValue(codeStdin))
            {
                throw new UsageException("with --json the code must come from --code or --code-stdin");
            }

            var (target, advertised) = await ChooseCaAsync(cli, cli.Parse.GetValue(endpoint), ct);
            var identity = await cli.Daemon.SendAsync<JsonElement>(HttpMethod.Post, "/v1/certmesh/member/identify", new MemberEndpoints.IdentifyRequest(target), ct);
            var caFingerprint = CertmeshStatusCommand.Text(identity, "ca_fingerprint");
            if (!cli.Json)
            {
                cli.Stdout.WriteLine($"CA: {CertmeshStatusCommand.Text(identity, "hostname")} at {CertmeshStatusCommand.Text(identity, "endpoint")} (profile {CertmeshStatusCommand.Text(identity, "profile")})");
                cli.Stdout.WriteLine($"CA fingerprint: {caFingerprint}");
            }

            var confirmed = cli.Parse.GetValue(fingerprint) ?? ConfirmFingerprint(cli, CertmeshStatusCommand.Text(identity, "hostname"), caFingerprint);
            var totp = ReadCode(cli, cli.Parse.GetValue(code), cli.Parse.GetValue(codeStdin));
            var body = new MemberJoinRequest(target, totp, confirmed, advertised) { ShownFingerprint = caFingerprint };
            var result = await cli.Daemon.SendAsync<JsonElement>(HttpMethod.Post, "/v1/certmesh/member/join", body, ct);
            if (CertmeshStatusCommand.Text(result, "status") == "pending")
            {
                if (!cli.Json)
                {
                    cli.Stdout.WriteLine($"This machine's key: {CertmeshStatusCommand.Text(result, "key_fingerprint")} (the operator sees it in `koi certmesh pending`)");
                }

                result = await WaitForApprovalAsync(cli, CertmeshStatusCommand.Text(result, "request_id"), ct);
            }

            if (cli.Json)
            {
                cli.WriteJson(result);
                return ExitCodes.Ok;
            }

            cli.Stdout.WriteLine($"Enrolled as: {CertmeshStatusCommand.Text(result, "hostname")}");
            cli.Stdout.WriteLine($"Certificates written to: {CertmeshStatusCommand.Text(result, "cert_path")}/");
            if (result.TryGetProperty("sans", out var sans) && sans.ValueKind == JsonValueKind.Array)
            {
                cli.Stdout.WriteLine($"Names: {string.Join(", ", sans.EnumerateArray().Select(s => s.GetString()))}");
            }

            cli.Stdout.WriteLine($"CA trusted and pinned: {caFingerprint}");
            if (CertmeshStatusCommand.Text(result, "fingerprint_trust") != "confirmed")
            {
                cli.Stdout.WriteLine("  Trust on first use: nobody compared this fingerprint with the CA's. Check `koi certmesh status` on the CA shows it.");
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>The CA to join: the one given, else the only one mDNS knows; several or none is the user's call.</summary>
    private static async Task<(string Endpoint, string? Advertised)> ChooseCaAsync(CliContext cli, string? given, CancellationToken ct)
    {
        if (!string.IsNullOrWhiteSpace(given))
        {
            return (given, null);
        }

        var found = await cli.Daemon.GetAsync<JsonElement>("/v1/certmesh/cas?wait=5", ct);
        var cas = found.GetProperty("cas").EnumerateArray().Where(c => !c.GetProperty("stale").GetBoolean()).ToList();
        if (cas.Count == 0)
        {
            throw new CliFailure("no_ca_found", "no CA announces _certmesh._tcp on this network; pass its address: koi certmesh join http://<ca>:5641");
        }

        if (cas.Count > 1)
        {
            var list = string.Join(Environment.NewLine, cas.Select(c => $"  {CertmeshStatusCommand.Text(c, "host")}  {CertmeshStatusCommand.Text(c, "endpoint")}  fingerprint {CertmeshStatusCommand.Text(c, "fingerprint")}"));
            throw new CliFailure("several_cas", $"several CAs announce themselves; choose one and pass its endpoint:{Environment.NewLine}{list}");
        }

        var ca = cas[0];
        var endpoint = CertmeshStatusCommand.Text(ca, "endpoint");
        if (!cli.Json)
        {
            cli.Stdout.WriteLine($"Found CA: {CertmeshStatusCommand.Text(ca, "name")} at {endpoint}");
        }

        var advertised = CertmeshStatusCommand.Text(ca, "fingerprint");
        return (endpoint, advertised.Length > 0 ? advertised : null);
    }

    /// <summary>
    /// Asks, as SSH does for an unknown host, whether the fingerprint is the one the CA shows; no answer possible
    /// (scripts) means trust on first use, reported as such in the result.
    /// </summary>
    private static string? ConfirmFingerprint(CliContext cli, string caHost, string caFingerprint)
    {
        if (!cli.Interactive)
        {
            return null;
        }

        cli.Stdout.WriteLine($"  Compare it with `koi certmesh status` on {caHost}. The code is sent only to the CA holding it.");
        cli.Stdout.Write("Does it match? [y/N] ");
        if (Console.ReadLine()?.Trim().ToLowerInvariant() is not ("y" or "yes"))
        {
            throw new CliFailure("not_confirmed", "fingerprint not confirmed; nothing was sent. Join with --fingerprint <first 16+ hex digits from the CA> once compared");
        }

        return caFingerprint;
    }

    private static string ReadCode(CliContext cli, string? code, bool fromStdin)
    {
        var text = code;
        if (fromStdin)
        {
            text = Console.In.ReadLine();
        }
        else if (text is null)
        {
            if (!cli.Interactive)
            {
                throw new UsageException("no code: give --code or --code-stdin when koi cannot ask");
            }

            cli.Stdout.Write("Code from your authenticator app: ");
            text = Console.ReadLine();
        }

        text = text?.Trim().Replace(" ", string.Empty, StringComparison.Ordinal);
        return string.IsNullOrEmpty(text) ? throw new UsageException("the code is empty") : text;
    }

    private static async Task<JsonElement> WaitForApprovalAsync(CliContext cli, string requestId, CancellationToken ct)
    {
        if (!cli.Json)
        {
            cli.Stdout.WriteLine("Waiting for approval… (the operator runs `koi certmesh approve` on the CA; Ctrl+C cancels)");
        }

        var deadline = DateTimeOffset.UtcNow + ApprovalWait;
        try
        {
            while (DateTimeOffset.UtcNow < deadline)
            {
                await Task.Delay(PollEvery, ct);
                var result = await cli.Daemon.SendAsync<JsonElement>(HttpMethod.Post, $"/v1/certmesh/member/join/{Uri.EscapeDataString(requestId)}/poll", null, ct);
                if (CertmeshStatusCommand.Text(result, "status") != "pending")
                {
                    return result;
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            await CancelQuietlyAsync(cli, requestId);
            throw;
        }

        await CancelQuietlyAsync(cli, requestId);
        throw new CliFailure("approval_timeout", $"no decision within {ApprovalWait.TotalMinutes:0} minutes; the request was withdrawn here — run join again when the operator is ready");
    }

    private static async Task CancelQuietlyAsync(CliContext cli, string requestId)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            using var _ = await cli.Daemon.SendRawAsync(HttpMethod.Delete, $"/v1/certmesh/member/join/{Uri.EscapeDataString(requestId)}", null, timeout.Token);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
        {
        }
    }
}
