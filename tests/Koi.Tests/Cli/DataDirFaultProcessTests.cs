using System.Text.Json;

namespace Koi.Tests.Cli;

/// <summary>A real daemon whose data dir is a tiny tmpfs that fills up or turns read-only (docs/data-layout.md).</summary>
public sealed class DataDirFaultProcessTests
{
    private static readonly string Koi = KoiProcess.BuiltBinary;

    [Fact]
    public async Task DnsAdd_DataDirFull_FailsWithReasonStatusFailedOldStateIntactThenRecovers()
    {
        Assert.SkipWhen(SmallTmpfs.Unavailable() is not null, SmallTmpfs.Unavailable() ?? string.Empty);
        using var fs = SmallTmpfs.Mount(kilobytes: 1024);
        await using var daemon = await LocalDaemon.StartAsync(Koi, dataDir: fs.Path);
        var state = Path.Combine(fs.Path, "state", "dns.json");
        Assert.Equal(0, (await Cli("dns", "add", "nas", "10.0.0.5")).ExitCode);
        var before = await File.ReadAllBytesAsync(state, TestContext.Current.CancellationToken);
        Assert.Equal("running", (await DataDirComponent()).GetProperty("state").GetString());
        var filler = fs.Fill();

        var full = await Cli("dns", "add", "web", "10.0.0.6");

        Assert.Equal(1, full.ExitCode);
        Assert.Contains("disk full: cannot write", full.Stderr, StringComparison.Ordinal);
        var failed = await DataDirComponent();
        Assert.Equal("failed", failed.GetProperty("state").GetString());
        Assert.StartsWith($"disk full: cannot write {state}", failed.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, await File.ReadAllBytesAsync(state, TestContext.Current.CancellationToken));
        Assert.Empty(Directory.GetFiles(fs.Path, "*.tmp", SearchOption.AllDirectories));
        Assert.DoesNotContain("web", (await Cli("dns", "list", "--json")).Stdout, StringComparison.Ordinal);

        File.Delete(filler);
        var added = await Cli("dns", "add", "web", "10.0.0.6");

        Assert.Equal(0, added.ExitCode);
        Assert.Equal("running", (await DataDirComponent()).GetProperty("state").GetString());
        Assert.Contains("10.0.0.6", await File.ReadAllTextAsync(state, TestContext.Current.CancellationToken), StringComparison.Ordinal);

        Task<KoiRun> Cli(params string[] args) => KoiProcess.RunAsync(Koi, [.. args, "--data-dir", fs.Path]);

        async Task<JsonElement> DataDirComponent()
        {
            var status = await Cli("status", "--json");
            Assert.Equal(0, status.ExitCode);
            return JsonDocument.Parse(status.Stdout).RootElement.GetProperty("components").EnumerateArray()
                .Single(c => c.GetProperty("name").GetString() == "core/data_dir");
        }
    }

    [Fact]
    public async Task DnsAdd_StateDirReadOnly_FailsWithReadOnlyReasonAndRecoversAfterRemount()
    {
        Assert.SkipWhen(SmallTmpfs.Unavailable() is not null, SmallTmpfs.Unavailable() ?? string.Empty);
        using var fs = SmallTmpfs.Mount(kilobytes: 1024);
        // The daemon holds its lock file open for writing, so Linux refuses to remount the whole tmpfs read-only;
        // state/ as a mount of its own can be.
        fs.SplitSubtree("state");
        await using var daemon = await LocalDaemon.StartAsync(Koi, dataDir: fs.Path);
        fs.RemountSubtree("state", readOnly: true);

        var refused = await KoiProcess.RunAsync(Koi, ["dns", "add", "nas", "10.0.0.5", "--json", "--data-dir", fs.Path]);

        Assert.Equal(1, refused.ExitCode);
        var error = JsonDocument.Parse(refused.Stdout).RootElement;
        Assert.Equal("storage_unavailable", error.GetProperty("error").GetString());
        Assert.StartsWith("read-only: cannot write", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(fs.Path, "state", "dns.json")));
        var status = JsonDocument.Parse((await KoiProcess.RunAsync(Koi, ["status", "--json", "--data-dir", fs.Path])).Stdout).RootElement;
        var component = status.GetProperty("components").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "core/data_dir");
        Assert.Equal("failed", component.GetProperty("state").GetString());
        Assert.StartsWith("read-only: cannot write", component.GetProperty("reason").GetString(), StringComparison.Ordinal);

        fs.RemountSubtree("state", readOnly: false);

        Assert.Equal(0, (await KoiProcess.RunAsync(Koi, ["dns", "add", "nas", "10.0.0.5", "--data-dir", fs.Path])).ExitCode);
    }
}
