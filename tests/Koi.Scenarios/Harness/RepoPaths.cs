using Shared = Koi.Testing.RepoPaths;

namespace Koi.Scenarios.Harness;

/// <summary>Where the lab script and its helper files live; the repository root and koi binary come from Koi.Testing.</summary>
internal static class RepoPaths
{
    public const string KoiBinaryVariable = Shared.KoiBinaryVariable;
    public const string LabRootVariable = "KOI_LAB_ROOT";

    public static string Root => Shared.Root;

    public static string LabScript => Shared.Combine("scripts", "lab");

    public static string LabRoot => Shared.FromEnvironment(LabRootVariable) ?? Shared.Combine(".lab");

    public static string KoiBinary => Shared.PublishedBinary;

    public static string ZeroconfBrowser => Shared.Combine("tests", "lab", "zeroconf-browse.py");

    public static string ZeroconfPublisher => Shared.Combine("tests", "lab", "zeroconf-publish.py");

    public static string RawJoin => Shared.Combine("tests", "lab", "raw-join.py");

    public static string SystemdHostScript => Shared.Combine("tests", "lab", "systemd-host");
}
