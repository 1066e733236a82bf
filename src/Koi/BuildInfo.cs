using System.Reflection;
using System.Runtime.InteropServices;

namespace Koi;

internal static class BuildInfo
{
    public static string Version { get; } =
        typeof(BuildInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    public static string Commit { get; } = Metadata("KoiCommit") ?? "unknown";

    /// <summary>UTC build time (ISO 8601), stamped by <c>dotnet publish</c>; "unknown" for an ordinary build.</summary>
    public static string BuildDate { get; } = Metadata("KoiBuildDate") ?? "unknown";

    public static string Runtime { get; } = $"{RuntimeInformation.FrameworkDescription} {RuntimeInformation.RuntimeIdentifier}";

    private static string? Metadata(string key)
    {
        foreach (var attribute in typeof(BuildInfo).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>())
        {
            if (attribute.Key == key)
            {
                return attribute.Value;
            }
        }

        return null;
    }
}
