using Koi.Core.Paths;
using Koi.Testing;

namespace Koi.Core.Tests.Paths;

public sealed class KoiPathsTests
{
    [Fact]
    public void Resolve_FlagGiven_WinsOverEnvironment()
    {
        var paths = KoiPaths.Resolve("/tmp/from-flag", _ => "/tmp/from-env");

        Assert.Equal("/tmp/from-flag", paths.DataDir);
    }

    [Fact]
    public void Resolve_OnlyEnvironment_UsesKoiDataDir()
    {
        var paths = KoiPaths.Resolve(null, name => name == "KOI_DATA_DIR" ? "/tmp/from-env" : null);

        Assert.Equal("/tmp/from-env", paths.DataDir);
    }

    [Fact]
    public void Resolve_Nothing_UsesPlatformDefault()
    {
        var paths = KoiPaths.Resolve(null, _ => null);

        var expected = Environment.IsPrivilegedProcess ? "/var/lib/koi" : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".koi");
        Assert.Equal(expected, paths.DataDir);
    }

    [Fact]
    public void EnsureDataDir_New_CreatesItPrivate()
    {
        using var dir = new TempDirectory();
        var paths = new KoiPaths(dir.Combine("koi"));

        paths.EnsureDataDir();

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(paths.DataDir));
    }
}
