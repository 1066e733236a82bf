using Koi.Core.Storage;
using Koi.Testing;

namespace Koi.Core.Tests.Storage;

public sealed class AtomicFileTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void WriteAllText_NewFile_WritesContent()
    {
        var path = _dir.Combine("state.json");

        AtomicFile.WriteAllText(path, "{\"a\":1}");

        Assert.Equal("{\"a\":1}", File.ReadAllText(path));
    }

    [Fact]
    public void WriteAllBytes_CrashBetweenTempAndRename_LeavesOldContentIntact()
    {
        var path = _dir.Combine("roster.json");
        AtomicFile.WriteAllText(path, "old");

        Assert.Throws<IOException>(() =>
            AtomicFile.WriteAllBytes(path, "new"u8, AtomicFile.PublicMode, _ => throw new IOException("power cut")));

        Assert.Equal("old", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(_dir.Path));
    }

    [Fact]
    public void WriteAllBytes_TempFileLeftByKilledProcess_TargetUnaffectedAndCleanupRemovesIt()
    {
        var path = _dir.Combine("roster.json");
        AtomicFile.WriteAllText(path, "old");
        string? leftover = null;
        try
        {
            AtomicFile.WriteAllBytes(path, "new"u8, AtomicFile.PublicMode, temp =>
            {
                // A SIGKILL here leaves the temp behind: copy it aside to simulate exactly that.
                leftover = temp + ".keep";
                File.Copy(temp, leftover);
                throw new IOException("killed");
            });
        }
        catch (IOException)
        {
        }

        File.Move(leftover!, _dir.Combine(".roster.json.deadbeef.tmp"));

        Assert.Equal("old", File.ReadAllText(path));
        Assert.Equal(1, AtomicFile.CleanupStaleTempFiles(_dir.Path));
        Assert.Equal(["roster.json"], Directory.GetFiles(_dir.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void WriteAllBytes_SecretMode_TempIsPrivateBeforeAnyByteIsVisible()
    {
        var path = _dir.Combine("token");
        UnixFileMode? tempMode = null;

        AtomicFile.WriteAllBytes(path, "s3cret"u8, AtomicFile.SecretMode, temp => tempMode = File.GetUnixFileMode(temp));

        Assert.Equal(AtomicFile.SecretMode, tempMode);
        Assert.Equal(AtomicFile.SecretMode, File.GetUnixFileMode(path));
    }

    [Fact]
    public void WriteAllBytes_ExistingFileWithWiderMode_ReplacedFileHasRequestedMode()
    {
        var path = _dir.Combine("secret");
        File.WriteAllText(path, "old");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);

        AtomicFile.WriteAllText(path, "new", AtomicFile.SecretMode);

        Assert.Equal(AtomicFile.SecretMode, File.GetUnixFileMode(path));
    }

    [Fact]
    public void WriteAllText_MissingDirectory_CreatesIt()
    {
        var path = _dir.Combine("a", "b", "c.txt");

        AtomicFile.WriteAllText(path, "x");

        Assert.Equal("x", File.ReadAllText(path));
    }

    [Fact]
    public void WriteAllText_ConcurrentWriters_FileIsAlwaysOneWholeVersion()
    {
        var path = _dir.Combine("race.txt");
        var versions = Enumerable.Range(0, 8).Select(i => new string((char)('a' + i), 4096)).ToArray();

        Parallel.For(0, 64, i => AtomicFile.WriteAllText(path, versions[i % versions.Length]));

        Assert.Contains(File.ReadAllText(path), versions);
    }
}
