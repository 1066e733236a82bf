namespace Koi.Core.Paths;

/// <summary>Where koi keeps its state. One data directory per daemon; everything else hangs off it.</summary>
public sealed class KoiPaths
{
    public const string DataDirEnvironmentVariable = "KOI_DATA_DIR";

    private const UnixFileMode PrivateDirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    public KoiPaths(string dataDir)
    {
        DataDir = Path.GetFullPath(dataDir);
    }

    public string DataDir { get; }

    public string Breadcrumb => Path.Combine(DataDir, "daemon.json");

    public string StateDir => Path.Combine(DataDir, "state");

    public string LogsDir => Path.Combine(DataDir, "logs");

    public string CertsDir => Path.Combine(DataDir, "certs");

    public string CertmeshDir => Path.Combine(DataDir, "certmesh");

    public string ConfigFile => Path.Combine(DataDir, "config.yaml");

    /// <summary>Flag, then KOI_DATA_DIR, then the platform default (docs/data-layout.md).</summary>
    public static KoiPaths Resolve(string? flag, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        if (!string.IsNullOrWhiteSpace(flag))
        {
            return new KoiPaths(flag);
        }

        var fromEnvironment = environment(DataDirEnvironmentVariable);
        return new KoiPaths(string.IsNullOrWhiteSpace(fromEnvironment) ? DefaultDataDir() : fromEnvironment);
    }

    public static string DefaultDataDir()
    {
        if (OperatingSystem.IsWindows())
        {
            return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.CommonApplicationData), "koi");
        }

        if (OperatingSystem.IsMacOS())
        {
            return "/Library/Application Support/koi";
        }

        return Environment.IsPrivilegedProcess
            ? "/var/lib/koi"
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".koi");
    }

    /// <summary>Creates the data directory private to its owner (0700) if it does not exist yet.</summary>
    public void EnsureDataDir()
    {
        if (Directory.Exists(DataDir))
        {
            return;
        }

        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(DataDir);
        }
        else
        {
            Directory.CreateDirectory(DataDir, PrivateDirectoryMode);
        }
    }
}
