using System.Text.Json;

namespace Koi.Tests.Cli;

/// <summary>
/// Text a LAN device planted (an mDNS TXT value, a service name) carrying terminal controls, shown by the real CLI:
/// escaped for a person, exact in JSON.
/// </summary>
public sealed class TerminalInjectionProcessTests
{
    // Clear the screen, ring the bell, a C1 CSI, and a right-to-left override: each one drives a terminal.
    private const string Planted = "\u001b[2J\u0007pwn\u009b31m\u202eevil";
    private static readonly string Koi = KoiProcess.BuiltBinary;

    [Fact]
    public async Task DnsList_NameWithTerminalControls_PrintedEscaped()
    {
        await using var daemon = ScriptedDaemon.Start(new Dictionary<string, (string, string)>
        {
            ["/v1/dns/entries"] = ("application/json", JsonSerializer.Serialize(new[] { new { name = $"nas{Planted}.lan", type = "A", value = "192.168.1.20", source = "mdns", ttl = 60 } })),
        });

        var run = await Cli(daemon, "dns", "list");

        Assert.True(run.ExitCode == 0, run.Stderr);
        AssertNoControls(run.Stdout);
        Assert.Contains(@"\x1b[2J\x07pwn\x9b31m\u202eevil", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DnsList_Json_KeepsTheExactName()
    {
        await using var daemon = ScriptedDaemon.Start(new Dictionary<string, (string, string)>
        {
            ["/v1/dns/entries"] = ("application/json", JsonSerializer.Serialize(new[] { new { name = $"nas{Planted}.lan", type = "A", value = "192.168.1.20", source = "mdns", ttl = 60 } })),
        });

        var run = await Cli(daemon, "dns", "list", "--json");

        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Equal($"nas{Planted}.lan", JsonDocument.Parse(run.Stdout).RootElement[0].GetProperty("name").GetString());
    }

    [Fact]
    public async Task MdnsDiscover_TxtWithTerminalControls_PrintedEscaped()
    {
        var service = JsonSerializer.Serialize(new
        {
            name = $"printer{Planted}",
            type = "_ipp._tcp",
            full_name = $"printer{Planted}._ipp._tcp.local",
            host = "printer.local",
            port = 631,
            addresses = new[] { "192.168.1.30" },
            txt = new Dictionary<string, string> { ["note"] = Planted, ["multi"] = "line\nfake: line" },
            first_seen = DateTimeOffset.UnixEpoch,
            last_seen = DateTimeOffset.UnixEpoch,
            resolved = true,
            stale = false,
        });
        await using var daemon = ScriptedDaemon.Start(new Dictionary<string, (string, string)>
        {
            ["/v1/mdns/status"] = ("application/json", "{}"),
            ["/v1/mdns/discover"] = ("text/event-stream", $"event: resolved\ndata: {service}\n\n"),
        });

        var run = await Cli(daemon, "mdns", "discover", "_ipp._tcp", "--timeout", "2");
        var json = await Cli(daemon, "mdns", "discover", "_ipp._tcp", "--timeout", "2", "--json");

        Assert.True(run.ExitCode == 0, run.Stderr);
        AssertNoControls(run.Stdout);
        Assert.Contains(@"note=\x1b[2J\x07pwn\x9b31m\u202eevil", run.Stdout, StringComparison.Ordinal);
        Assert.Contains(@"multi=line\x0afake: line", run.Stdout, StringComparison.Ordinal);
        Assert.Equal(Planted, JsonDocument.Parse(json.Stdout.Trim()).RootElement.GetProperty("txt").GetProperty("note").GetString());
    }

    private static Task<KoiRun> Cli(ScriptedDaemon daemon, params string[] args) =>
        KoiProcess.RunAsync(Koi, [.. args, "--endpoint", daemon.Endpoint, "--token", ScriptedDaemon.Token]);

    private static void AssertNoControls(string output) =>
        Assert.DoesNotContain(output, c => c is '\u001b' or '\u0007' or '\u009b' or '\u202e' or '\r');
}
