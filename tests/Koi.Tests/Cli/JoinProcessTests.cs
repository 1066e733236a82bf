using System.Diagnostics;
using System.Net;
using System.Text.Json;

namespace Koi.Tests.Cli;

/// <summary>
/// Two real daemons on loopback (mDNS off, trust stores untouched): one creates a CA, the other joins it with a code
/// from oathtool, as a user would. The lab repeats this across machines; this runs everywhere, quickly.
/// </summary>
public sealed class JoinProcessTests
{
    private const string Passphrase = "join process test passphrase 2026";
    private static readonly string Koi = KoiProcess.BuiltBinary;

    [Fact]
    public async Task Join_ExplicitEndpointWithOathtoolCode_EnrolledPinnedAndKeyKeptLocal()
    {
        await using var ca = await LocalDaemon.StartAsync(Koi, env: Host("proc-ca"));
        await using var joiner = await LocalDaemon.StartAsync(Koi, env: Host("proc-member"));
        var created = await CliJsonAsync(ca, "certmesh", "create", "--profile", "just-me", "--passphrase", Passphrase);
        var fingerprint = created.GetProperty("ca_fingerprint").GetString()!;
        var secret = Secret(created.GetProperty("totp_uri").GetString()!);

        var run = await KoiProcess.RunAsync(Koi, ["certmesh", "join", ca.Endpoint.ToString(), "--code", await OathtoolAsync(secret), "--fingerprint", fingerprint, "--json", "--data-dir", joiner.DataDir]);

        Assert.True(run.ExitCode == 0, run.Stderr + run.Stdout);
        Assert.DoesNotContain("PRIVATE KEY", run.Stdout, StringComparison.Ordinal);
        var joined = JsonDocument.Parse(run.Stdout).RootElement;
        Assert.Equal("enrolled", joined.GetProperty("status").GetString());
        Assert.Equal("proc-member", joined.GetProperty("hostname").GetString());
        var certs = Path.Combine(joiner.DataDir, "certs", "proc-member");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(certs, "key.pem")));
        Assert.Contains("BEGIN CERTIFICATE", await File.ReadAllTextAsync(Path.Combine(certs, "fullchain.pem"), TestContext.Current.CancellationToken), StringComparison.Ordinal);

        var member = (await CliJsonAsync(joiner, "certmesh", "status")).GetProperty("member");
        Assert.Equal(fingerprint, member.GetProperty("pinned_ca_fingerprint").GetString());
        var roster = await CliJsonAsync(ca, "certmesh", "roster");
        Assert.Contains(roster.GetProperty("members").EnumerateArray(), m => m.GetProperty("hostname").GetString() == "proc-member" && m.GetProperty("role").GetString() == "member");
        var verified = await KoiProcess.RunAsync(Koi, ["certmesh", "verify-ca", "--data-dir", joiner.DataDir]);
        Assert.True(verified.ExitCode == 0, verified.Stderr + verified.Stdout);
        Assert.Contains(fingerprint, verified.Stdout, StringComparison.Ordinal);

        // Neither daemon watches files it has no use for: the API and the CA's mesh plane once each kept a recursive
        // watch of the working directory for appsettings.json, an inotify instance apiece (the user's whole
        // allowance is 128 by default) with a watch per directory beneath, and a daemon could not start when they were
        // used up. What is left is the proxy's one shared instance, which watches nothing while there is no entry.
        foreach (var pid in new[] { ca.Process.Pid, joiner.Process.Pid })
        {
            var (instances, watches) = Inotify(pid);
            Assert.True(instances <= 1 && watches == 0, $"daemon {pid}: {instances} inotify instances holding {watches} watches");
        }

        // A member joins once; the daemon says so before anything reaches the CA.
        var again = await KoiProcess.RunAsync(Koi, ["certmesh", "join", ca.Endpoint.ToString(), "--code", "000000", "--data-dir", joiner.DataDir]);
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("already a member", again.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Join_WrongFingerprint_RefusedBeforeAnyCodeIsSentAndNothingWritten()
    {
        await using var ca = await LocalDaemon.StartAsync(Koi, env: Host("proc-ca2"));
        await using var joiner = await LocalDaemon.StartAsync(Koi, env: Host("proc-member2"));
        await CliJsonAsync(ca, "certmesh", "create", "--profile", "just-me", "--passphrase", Passphrase);

        var run = await KoiProcess.RunAsync(Koi, ["certmesh", "join", ca.Endpoint.ToString(), "--code", "123456", "--fingerprint", new string('0', 64), "--data-dir", joiner.DataDir]);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("possible MITM", run.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(joiner.DataDir, "certmesh", "membership.json")));
        Assert.False(Directory.Exists(Path.Combine(joiner.DataDir, "certs", "proc-member2")));
        var log = await CliJsonAsync(ca, "certmesh", "log");
        Assert.DoesNotContain(log.GetProperty("entries").EnumerateArray(), e => e.GetProperty("event").GetString() == "totp_failed");
    }

    [Fact]
    public async Task VerifyCa_ImpostorReplaysHelloWithoutSignature_MitmAlertRaised()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var joiner = await LocalDaemon.StartAsync(Koi, env: Host("proc-member3"));
        string hello;
        int caPort;
        await using (var ca = await LocalDaemon.StartAsync(Koi, env: Host("proc-ca3")))
        {
            var created = await CliJsonAsync(ca, "certmesh", "create", "--profile", "just-me", "--passphrase", Passphrase);
            var code = await OathtoolAsync(Secret(created.GetProperty("totp_uri").GetString()!));
            var joined = await KoiProcess.RunAsync(Koi, ["certmesh", "join", ca.Endpoint.ToString(), "--code", code, "--json", "--data-dir", joiner.DataDir]);
            Assert.True(joined.ExitCode == 0, joined.Stderr + joined.Stdout);
            using var http = new HttpClient { BaseAddress = ca.Endpoint };
            using var answer = await http.PostAsync("/v1/certmesh/hello", new StringContent("""{"nonce":"recorded0123456789abcdef0123456789"}""", System.Text.Encoding.UTF8, "application/json"), ct);
            hello = await answer.Content.ReadAsStringAsync(ct);
            caPort = ca.Endpoint.Port;
        }

        // The CA is gone; on its address something presents the CA's real, public certificates and no signature.
        var replay = JsonDocument.Parse(hello).RootElement.EnumerateObject().Where(p => p.Name != "signature").ToDictionary(p => p.Name, p => p.Value);
        using var impostor = new HttpListener();
        impostor.Prefixes.Add($"http://127.0.0.1:{caPort}/");
        impostor.Start();
        var serving = Task.Run(
            async () =>
            {
                while (impostor.IsListening)
                {
                    HttpListenerContext context;
                    try
                    {
                        context = await impostor.GetContextAsync();
                    }
                    catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
                    {
                        return;
                    }

                    context.Response.ContentType = "application/json";
                    await context.Response.OutputStream.WriteAsync(JsonSerializer.SerializeToUtf8Bytes(replay), ct);
                    context.Response.Close();
                }
            },
            ct);

        var verified = await KoiProcess.RunAsync(Koi, ["certmesh", "verify-ca", "--data-dir", joiner.DataDir]);
        impostor.Stop();
        await serving;

        Assert.Equal(1, verified.ExitCode);
        Assert.Contains("CA fingerprint changed — possible MITM", verified.Stderr, StringComparison.Ordinal);
        Assert.True(verified.Stderr.Contains("the hello has no signature", StringComparison.Ordinal), verified.Stderr);
        var certmesh = (await CliJsonAsync(joiner, "status")).GetProperty("capabilities").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "certmesh");
        var pin = certmesh.GetProperty("components").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "certmesh/ca_pin");
        Assert.Equal("failed", pin.GetProperty("state").GetString());
    }

    [Fact]
    public async Task Join_JsonWithoutCode_UsageErrorExitTwo()
    {
        using var dir = new TempDirectory();

        var run = await KoiProcess.RunAsync(Koi, ["certmesh", "join", "http://127.0.0.1:1", "--json", "--data-dir", dir.Path]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--code", run.Stdout + run.Stderr, StringComparison.Ordinal);
    }

    private static Dictionary<string, string?> Host(string name) => new() { ["KOI_HOSTNAME"] = name };

    private static async Task<JsonElement> CliJsonAsync(LocalDaemon daemon, params string[] args)
    {
        var run = await KoiProcess.RunAsync(Koi, [.. args, "--json", "--data-dir", daemon.DataDir]);
        Assert.True(run.ExitCode == 0, $"koi {string.Join(' ', args)} exited {run.ExitCode}: {run.Stderr}{run.Stdout}");
        return JsonDocument.Parse(run.Stdout).RootElement;
    }

    private static string Secret(string totpUri) =>
        System.Text.RegularExpressions.Regex.Match(totpUri, "secret=([A-Z2-7]+)").Groups[1].Value;

    /// <summary>The code as any authenticator computes it: oathtool, not koi's own TOTP code.</summary>
    private static async Task<string> OathtoolAsync(string secret)
    {
        using var process = Process.Start(new ProcessStartInfo("oathtool", ["--totp", "-b", secret]) { RedirectStandardOutput = true })!;
        var code = await process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.Equal(0, process.ExitCode);
        return code.Trim();
    }

    /// <summary>The process's inotify instances and the watches they hold (one <c>inotify wd:</c> line each in fdinfo).</summary>
    private static (int Instances, int Watches) Inotify(int pid)
    {
        var instances = new DirectoryInfo($"/proc/{pid}/fd").EnumerateFileSystemInfos().Where(fd => fd.LinkTarget == "anon_inode:inotify").ToList();
        var watches = instances.Sum(fd => File.ReadLines($"/proc/{pid}/fdinfo/{fd.Name}").Count(line => line.StartsWith("inotify", StringComparison.Ordinal)));
        return (instances.Count, watches);
    }
}
