namespace Koi.Testing;

/// <summary>Finds files of the repository, and the published koi binary, from a test's output directory.</summary>
public static class RepoPaths
{
    /// <summary>Points tests at a koi binary other than <c>artifacts/publish/koi</c>.</summary>
    public const string KoiBinaryVariable = "KOI_BIN";

    public static string Root { get; } = FindRoot();

    /// <summary>The Native AOT koi that <c>./test.sh</c> publishes (or <c>$KOI_BIN</c>).</summary>
    public static string PublishedBinary => FromEnvironment(KoiBinaryVariable) ?? Combine("artifacts", "publish", "koi");

    public static string Combine(params string[] parts) => Path.Combine([Root, .. parts]);

    public static string? FromEnvironment(string name) =>
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

        throw new InvalidOperationException($"no Koi.slnx above {AppContext.BaseDirectory}; tests run from a koi checkout");
    }
}
