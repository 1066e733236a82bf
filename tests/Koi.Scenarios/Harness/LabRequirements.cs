namespace Koi.Scenarios.Harness;

/// <summary>
/// Without root (or off Linux) scenarios are skipped with the reason. As root a lab that cannot be
/// built is a failure: that is how CI proves the scenarios really ran.
/// </summary>
internal static class LabRequirements
{
    public static string? MissingReason { get; } = FindMissing();

    public static void SkipUnlessAvailable()
    {
        if (MissingReason is not null)
        {
            Assert.Skip(MissingReason);
        }
    }

    private static string? FindMissing()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "The multi-host lab needs Linux network and mount namespaces.";
        }

        return Environment.IsPrivilegedProcess
            ? null
            : "The multi-host lab needs root (network and mount namespaces); CI runs the scenarios as root.";
    }
}
