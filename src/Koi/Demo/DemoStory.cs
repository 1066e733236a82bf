using System.Diagnostics;
using System.Runtime.Versioning;
using System.Text.Json;
using System.Text.RegularExpressions;
using Koi.Certmesh.Crypto;

namespace Koi.Demo;

/// <summary>
/// The story <c>koi demo</c> tells, one step at a time on a <see cref="DemoLab"/>: stone-a makes a CA, stone-b and
/// stone-c join it, stone-b's name resolves through stone-a's DNS, stone-a checks stone-b's health, and stone-c — a
/// third machine — reaches <c>https://grafana.lan/</c> that stone-b's proxy serves on port 443, by the name stone-c's
/// own koi DNS gives it, trusting only the mesh CA. Each step prints one line; the first that fails ends the story with
/// its reason.
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed partial class DemoStory(DemoLab lab, string koi, TextWriter output)
{
    public const string Passphrase = "koi demo passphrase, thrown away with the lab";
    private const string Site = "grafana";
    private const int SitePort = 443;
    private const int BackendPort = 8000;
    private const string Page = "hello from the backend on stone-b";
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(45);

    private DemoHost _a = null!;
    private DemoHost _b = null!;
    private DemoHost _c = null!;

    /// <summary>How many steps have gone green so far.</summary>
    public int StepsGreen { get; private set; }

    /// <summary>Runs every step; returns how many were green (all of them, or it throws <see cref="DemoFailure"/>).</summary>
    public async Task<int> RunAsync(CancellationToken ct)
    {
        await StepAsync("lab", "three machines (network namespaces) on a bridge, nothing on this machine's network", async () =>
        {
            await lab.AddSwitchAsync(ct);
            _a = await lab.AddHostAsync("stone-a", 1, ct);
            _b = await lab.AddHostAsync("stone-b", 2, ct);
            _c = await lab.AddHostAsync("stone-c", 3, ct);
            return $"stone-a {_a.Address}, stone-b {_b.Address}, stone-c {_c.Address} (namespaces {lab.Prefix}-*)";
        });
        await StepAsync("daemons", "koi daemon on stone-a, stone-b and stone-c, mDNS inside the lab only", async () =>
        {
            var daemons = new[] { _a, _b, _c }.Select(host => (host, process: lab.StartBackground(host, "koi", [koi, "daemon"]))).ToList();
            foreach (var (host, process) in daemons)
            {
                await UntilAsync($"koi on {host.Name} to answer", async () =>
                {
                    if (process.HasExited)
                    {
                        throw new DemoFailure($"koi daemon on {host.Name} exited ({process.ExitCode}):\n{lab.LogTail(host, "koi")}");
                    }

                    return (await lab.RunAsync(host, [koi, "status"], ct)).Succeeded;
                }, ct);
            }

            return $"pids {string.Join(", ", daemons.Select(d => d.process.Id))}";
        });

        string secret = string.Empty;
        await StepAsync("create", "stone-a creates the mesh CA", async () =>
        {
            var passphraseFile = Path.Combine(lab.Directory, "passphrase");
            await using (var file = new StreamWriter(new FileStream(passphraseFile, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            })))
            {
                await file.WriteLineAsync(Passphrase);
            }

            var create = await KoiAsync(_a, ct, "certmesh", "create", "--profile", "just-me", "--passphrase-file", passphraseFile, "--json");
            var uri = JsonDocument.Parse(create).RootElement.GetProperty("totp_uri").GetString() ?? string.Empty;
            secret = SecretPattern().Match(uri).Groups[1].Value;
            return secret.Length > 0 ? "CA ready; the enrollment code comes from its TOTP secret, as an authenticator app would show it" : throw new DemoFailure("create printed no TOTP secret");
        });
        await StepAsync("join", "stone-b and stone-c join with 6-digit codes, as an authenticator app shows them", async () =>
        {
            // A code is good once: stone-c uses the next 30-second step's, which the CA accepts as clock skew.
            var codeB = Totp.Code(Base32.Decode(secret), DateTimeOffset.UtcNow);
            var codeC = Totp.Code(Base32.Decode(secret), DateTimeOffset.UtcNow.AddSeconds(30));
            await KoiAsync(_b, ct, "certmesh", "join", $"http://{_a.Address}:5641", "--code", codeB, "--json");
            await KoiAsync(_c, ct, "certmesh", "join", $"http://{_a.Address}:5641", "--code", codeC, "--json");
            return $"joined with codes {codeB} and {codeC}; both hold certificates signed by stone-a's CA";
        });
        await StepAsync("dns", "stone-b.lan resolves through stone-a's DNS", async () =>
        {
            await UntilAsync("stone-b.lan to resolve on stone-a", async () => (await LookupAsync(_a, "stone-b.lan", ct)).Contains(_b.Address, StringComparison.Ordinal), ct);
            return $"koi dns lookup stone-b.lan on stone-a → {_b.Address}";
        });
        await StepAsync("health", "stone-a watches stone-b's koi port", async () =>
        {
            await KoiAsync(_a, ct, "health", "add", "stone-b-koi", "--tcp", $"{_b.Address}:5641", "--interval", "1s");
            await UntilAsync("the check to be up", async () => (await HealthStateAsync(ct)) == "up", ct);
            return "koi health status on stone-a: stone-b-koi up";
        });
        await StepAsync("proxy", $"https://{Site}.lan/ on stone-b's port {SitePort} in front of a backend, reached from stone-c with only the mesh CA trusted", async () =>
        {
            var site = Path.Combine(lab.Directory, "site");
            Directory.CreateDirectory(site);
            File.WriteAllText(Path.Combine(site, "index.html"), Page + "\n");
            // koi has no web server of its own to proxy; python3's http.server plays the backend, on stone-b's loopback.
            lab.StartBackground(_b, "backend", ["python3", "-m", "http.server", BackendPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--directory", site]);
            await KoiAsync(_b, ct, "proxy", "add", Site, "--listen", SitePort.ToString(System.Globalization.CultureInfo.InvariantCulture), "--backend", $"http://localhost:{BackendPort}");
            var caPem = Path.Combine(_c.DataDir, "certs", _c.Name, "ca.pem");
            var last = string.Empty;
            await UntilAsync($"https://{Site}.lan/ to answer on stone-c", async () =>
            {
                var address = (await LookupAsync(_c, $"{Site}.lan", ct)).Contains(_b.Address, StringComparison.Ordinal) ? _b.Address : null;
                if (address is null)
                {
                    last = $"{Site}.lan does not resolve to {_b.Address} on stone-c yet";
                    return false;
                }

                // The name comes from stone-c's own koi DNS (the proxy announced _grafana._tcp; --resolve pins curl to that
                // answer because the demo leaves this machine's resolv.conf alone); stone-b's certificate names it once the
                // CA granted it; trust comes from the mesh CA alone.
                var curl = await lab.RunAsync(_c, ["curl", "-sS", "--fail", "--max-time", "3", "--cacert", caPem, "--capath", "/nonexistent",
                    "--resolve", $"{Site}.lan:{SitePort}:{address}", $"https://{Site}.lan/"], ct);
                last = curl.Stderr.Trim();
                return curl.Stdout.Contains(Page, StringComparison.Ordinal);
            }, ct, () => last);
            return $"curl https://{Site}.lan/ on stone-c: \"{Page}\" (certificate names {Site}.lan, verified against the mesh CA)";
        });
        return StepsGreen;
    }

    private async Task StepAsync(string name, string what, Func<Task<string>> step)
    {
        var started = Stopwatch.StartNew();
        output.WriteLine($"demo: [{StepsGreen + 1}] {name}: {what}");
        var result = await step();
        StepsGreen++;
        output.WriteLine($"demo:     ok in {started.Elapsed.TotalSeconds:0.0} s: {result}");
    }

    private async Task<string> KoiAsync(DemoHost host, CancellationToken ct, params string[] arguments)
    {
        var result = await lab.RunAsync(host, [koi, .. arguments], ct);
        return result.Succeeded
            ? result.Stdout
            : throw new DemoFailure($"koi {string.Join(' ', arguments.Take(3))} on {host.Name} exited {result.ExitCode}: {(result.Stderr + result.Stdout).Trim()}");
    }

    private async Task<string> LookupAsync(DemoHost host, string name, CancellationToken ct) =>
        (await lab.RunAsync(host, [koi, "dns", "lookup", name, "--json"], ct)).Stdout;

    private async Task<string?> HealthStateAsync(CancellationToken ct)
    {
        var status = await lab.RunAsync(_a, [koi, "health", "status", "--json"], ct);
        if (!status.Succeeded || !JsonDocument.Parse(status.Stdout).RootElement.TryGetProperty("services", out var services))
        {
            return null;
        }

        return services.EnumerateArray()
            .Where(s => s.GetProperty("name").GetString() == "stone-b-koi")
            .Select(s => s.GetProperty("state").GetString())
            .FirstOrDefault();
    }

    private static async Task UntilAsync(string what, Func<Task<bool>> condition, CancellationToken ct, Func<string>? lastError = null)
    {
        var deadline = Stopwatch.StartNew();
        while (!await condition())
        {
            if (deadline.Elapsed > s_wait)
            {
                var detail = lastError?.Invoke() is { Length: > 0 } last ? $" (last: {last})" : string.Empty;
                throw new DemoFailure($"gave up waiting {s_wait.TotalSeconds:0} s for {what}{detail}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500), ct);
        }
    }

    [GeneratedRegex("secret=([A-Z2-7]+)")]
    private static partial Regex SecretPattern();
}
