using Koi.Core.Status;
using Koi.Core.Storage;
using Koi.Testing;

namespace Koi.Core.Tests.Storage;

/// <summary>State writes on a real, tiny tmpfs that fills up or turns read-only (docs/data-layout.md, "Data-dir health").</summary>
public sealed class DataDirFaultTests : IDisposable
{
    private readonly SmallTmpfs? _fs;

    public DataDirFaultTests()
    {
        if (SmallTmpfs.Unavailable() is null)
        {
            _fs = SmallTmpfs.Mount(kilobytes: 64);
        }
    }

    private SmallTmpfs Fs
    {
        get
        {
            Assert.SkipWhen(_fs is null, SmallTmpfs.Unavailable() ?? string.Empty);
            return _fs!;
        }
    }

    public void Dispose() => _fs?.Dispose();

    [Fact]
    public void WriteAllText_DiskFull_ThrowsDiskFullKeepsOldContentAndRemovesTemp()
    {
        var path = Fs.Combine("state.json");
        AtomicFile.WriteAllText(path, "old");
        var filler = Fs.Fill();

        var ex = Assert.Throws<StorageWriteException>(() => AtomicFile.WriteAllText(path, new string('n', 16 * 1024)));

        Assert.Equal("disk full", ex.Reason);
        Assert.StartsWith($"disk full: cannot write {path}", ex.Message, StringComparison.Ordinal);
        Assert.Equal("old", File.ReadAllText(path));
        Assert.Equal(["filler", "state.json"], Directory.GetFiles(Fs.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));

        File.Delete(filler);
        AtomicFile.WriteAllText(path, "new");
        Assert.Equal("new", File.ReadAllText(path));
    }

    [Fact]
    public void WriteAllText_ReadOnlyMount_ThrowsReadOnlyKeepsOldContent()
    {
        var path = Fs.Combine("state.json");
        AtomicFile.WriteAllText(path, "old");
        Fs.Remount(readOnly: true);

        var ex = Assert.Throws<StorageWriteException>(() => AtomicFile.WriteAllText(path, "new"));

        Assert.Equal("read-only", ex.Reason);
        Assert.Equal("old", File.ReadAllText(path));
        Assert.Equal(["state.json"], Directory.GetFiles(Fs.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void Save_JsonStateFileOnFullDisk_OldDocumentStillLoads()
    {
        var file = new JsonStateFile<JsonStateFileTests.Sample>(Fs.Combine("sample.json"), SampleJsonContext.Default.Sample);
        file.Save(new JsonStateFileTests.Sample("grafana", 8443));
        Fs.Fill();

        Assert.Throws<StorageWriteException>(() => file.Save(new JsonStateFileTests.Sample(new string('n', 16 * 1024), 1)));

        Assert.Equal(new JsonStateFileTests.Sample("grafana", 8443), file.Load());
    }

    [Fact]
    public void OnWrite_FailedThenSucceededWrite_FailedWithReasonThenRunning()
    {
        var registry = new StatusRegistry(TimeProvider.System);
        using var health = new DataDirHealth(Fs.Path, registry.Register("core", "data_dir"), TimeProvider.System);
        var path = Fs.Combine("dns", "state.json");
        AtomicFile.WriteAllText(path, "old");
        var filler = Fs.Fill();

        Assert.Throws<StorageWriteException>(() => AtomicFile.WriteAllText(path, new string('n', 16 * 1024)));

        var failed = Assert.Single(registry.Snapshot("core"));
        Assert.Equal(ComponentState.Failed, failed.State);
        Assert.StartsWith($"disk full: cannot write {path}", failed.Reason, StringComparison.Ordinal);

        File.Delete(filler);
        AtomicFile.WriteAllText(path, "new");

        Assert.Equal(ComponentState.Running, Assert.Single(registry.Snapshot("core")).State);
    }

    [Fact]
    public void Probe_ThirtySecondsAfterReadOnlyMountBecomesWritable_RunningWithoutAnyOtherWrite()
    {
        var time = new ManualTimeProvider();
        var registry = new StatusRegistry(time);
        using var health = new DataDirHealth(Fs.Path, registry.Register("core", "data_dir"), time);
        Fs.Remount(readOnly: true);
        Assert.Throws<StorageWriteException>(() => AtomicFile.WriteAllText(Fs.Combine("roster.json"), "x"));
        Assert.StartsWith("read-only: ", Assert.Single(registry.Snapshot()).Reason, StringComparison.Ordinal);

        time.Advance(DataDirHealth.ProbeInterval);
        Assert.Equal(ComponentState.Failed, Assert.Single(registry.Snapshot()).State);

        Fs.Remount(readOnly: false);
        time.Advance(DataDirHealth.ProbeInterval - TimeSpan.FromSeconds(1));
        Assert.Equal(ComponentState.Failed, Assert.Single(registry.Snapshot()).State);
        time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(ComponentState.Running, Assert.Single(registry.Snapshot()).State);
        Assert.Empty(Directory.GetFiles(Fs.Path));
    }

    [Fact]
    public void OnWrite_FaultInAnotherDirectory_StaysRunning()
    {
        using var elsewhere = new TempDirectory();
        var registry = new StatusRegistry(TimeProvider.System);
        using var health = new DataDirHealth(elsewhere.Path, registry.Register("core", "data_dir"), TimeProvider.System);
        Fs.Remount(readOnly: true);

        Assert.Throws<StorageWriteException>(() => AtomicFile.WriteAllText(Fs.Combine("state.json"), "x"));

        Assert.Equal(ComponentState.Running, Assert.Single(registry.Snapshot()).State);
    }

    [Fact]
    public void Reason_IoErrorThatIsNotTheDisk_Null()
    {
        Assert.Null(StorageFault.Reason(new IOException("sharing violation", 11)));
        Assert.Null(StorageFault.Reason(new FileNotFoundException("gone")));
    }
}
