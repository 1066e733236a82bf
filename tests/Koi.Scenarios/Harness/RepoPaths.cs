namespace Koi.Scenarios.Harness;

/// <summary>Where the lab script, its helper files and the published koi binary live.</summary>
internal static class RepoPaths
{
    public const string KoiBinaryVariable = "KOI_BIN";
    public const string LabRootVariable = "KOI_LAB_ROOT";

    public static string Root { get; } = FindRoot();

    public static string LabScript => Path.Combine(Root, "scripts", "lab");

    public static string LabRoot => FromEnvironment(LabRootVariable) ?? Path.Combine(Root, ".lab");

    public static string KoiBinary => FromEnvironment(KoiBinaryVariable) ?? Path.Combine(Root, "artifacts", "publish", "koi");

    public static string ZeroconfBrowser => Path.Combine(Root, "tests", "lab", "zeroconf-browse.py");

    private static string? FromEnvironment(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? Path.GetFullPath(value) : null;

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Koi.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No Koi.slnx above {AppContext.BaseDirectory}; scenarios run from a koi checkout.");
    }
}
