using System.Text.Json;

namespace Koi.Tests.Cli;

/// <summary>
/// <c>koi mdns announce</c> through a daemon tells what happened: "announced" only when the daemon says announcements
/// went out; a registration waiting for an interface is reported as such, with exit code 4 (docs/cli.md).
/// </summary>
public sealed class MdnsAnnounceProcessTests
{
    private static readonly string Koi = KoiProcess.BuiltBinary;

    [Fact]
    public async Task AnnounceDetach_DaemonHasNoInterface_SaysNotAnnouncedKeptAndExits4()
    {
        await using var daemon = Daemon("waiting");

        var run = await Cli(daemon, "mdns", "announce", "Web", "_http._tcp", "8080", "--detach");

        Assert.Equal(4, run.ExitCode);
        Assert.StartsWith("registered Web._http._tcp.local -> vm.local:8080 (id 0123456789ab) but NOT announced: no network interface", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("announces it as soon as one comes up", run.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("\nannounced", "\n" + run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnnounceDetachJson_DaemonHasNoInterface_StateWaitingAndExits4()
    {
        await using var daemon = Daemon("waiting");

        var run = await Cli(daemon, "mdns", "announce", "Web", "_http._tcp", "8080", "--detach", "--json");

        Assert.Equal(4, run.ExitCode);
        var output = JsonDocument.Parse(run.Stdout).RootElement;
        Assert.Equal("waiting", output.GetProperty("state").GetString());
        Assert.Equal("0123456789ab", output.GetProperty("id").GetString());
    }

    [Fact]
    public async Task AnnounceDetach_DaemonAnnounced_SaysAnnouncedAndExits0()
    {
        await using var daemon = Daemon("announcing");

        var run = await Cli(daemon, "mdns", "announce", "Web", "_http._tcp", "8080", "--detach");

        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.StartsWith("announced Web._http._tcp.local -> vm.local:8080 (id 0123456789ab;", run.Stdout, StringComparison.Ordinal);
    }

    private static ScriptedDaemon Daemon(string state) => ScriptedDaemon.Start(new Dictionary<string, (string, string)>
    {
        ["/v1/mdns/status"] = ("application/json", """{"stats":{},"registrations":[],"leases":0}"""),
        ["/v1/mdns/announce"] = ("application/json", JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["id"] = "0123456789ab",
            ["name"] = "Web",
            ["type"] = "_http._tcp",
            ["full_name"] = "Web._http._tcp.local",
            ["host"] = "vm.local",
            ["port"] = 8080,
            ["lease_secs"] = 0,
            ["lease_expires_at"] = null,
            ["state"] = state,
        })),
    });

    private static Task<KoiRun> Cli(ScriptedDaemon daemon, params string[] args) =>
        KoiProcess.RunAsync(Koi, [.. args, "--endpoint", daemon.Endpoint, "--token", ScriptedDaemon.Token]);
}
