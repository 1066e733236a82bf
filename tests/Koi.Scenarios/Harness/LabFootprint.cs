using System.Text.RegularExpressions;

namespace Koi.Scenarios.Harness;

/// <summary>
/// Everything a lab created that could outlive it: its namespaces, its mounts and its processes.
/// Captured while the lab is up, checked after teardown.
/// </summary>
internal sealed partial class LabFootprint
{
    private readonly string _netnsPrefix;
    private readonly string _labDirectory;

    private LabFootprint(string netnsPrefix, string labDirectory, IReadOnlySet<string> namespaceIds, IReadOnlySet<int> pids)
    {
        _netnsPrefix = netnsPrefix;
        _labDirectory = labDirectory;
        NamespaceIds = namespaceIds;
        Pids = pids;
    }

    public IReadOnlySet<string> NamespaceIds { get; }

    public IReadOnlySet<int> Pids { get; }

    public static LabFootprint Capture(string labName, string labDirectory, IEnumerable<int> knownPids)
    {
        var netnsPrefix = $"/run/netns/koilab-{labName}.";
        var namespaceFiles = Path.Combine(labDirectory, "mnt", "ns") + "/";
        var namespaceIds = ProcFs.Mounts()
            .Where(m => m.MountPoint.StartsWith(netnsPrefix, StringComparison.Ordinal)
                || m.MountPoint.StartsWith(namespaceFiles, StringComparison.Ordinal))
            .Select(m => m.Root)
            .Where(root => NamespaceId().IsMatch(root))
            .ToHashSet();
        var pids = ProcessesIn(namespaceIds).Concat(knownPids).Concat(RecordedPids(labDirectory)).ToHashSet();
        return new LabFootprint(netnsPrefix, labDirectory, namespaceIds, pids);
    }

    public IReadOnlyList<string> RemainingNetworkNamespaces() =>
        Directory.Exists("/run/netns")
            ? Directory.EnumerateFiles("/run/netns").Where(f => f.StartsWith(_netnsPrefix, StringComparison.Ordinal)).ToList()
            : [];

    public IReadOnlyList<string> RemainingMounts() =>
        ProcFs.Mounts()
            .Where(m => m.MountPoint.StartsWith(_netnsPrefix, StringComparison.Ordinal)
                || m.MountPoint.StartsWith(_labDirectory + "/", StringComparison.Ordinal)
                || NamespaceIds.Contains(m.Root))
            .Select(m => m.MountPoint)
            .ToList();

    /// <summary>Captured processes that still exist (zombies included), plus anything now inside the lab's namespaces.</summary>
    public IReadOnlyList<int> RemainingProcesses() =>
        Pids.Where(ProcFs.Exists).Concat(ProcessesIn(NamespaceIds)).Distinct().ToList();

    public static IEnumerable<int> RecordedPids(string labDirectory)
    {
        var pidsDirectory = Path.Combine(labDirectory, "pids");
        if (!Directory.Exists(pidsDirectory))
        {
            return [];
        }

        return Directory.EnumerateFiles(pidsDirectory, "*.pid", SearchOption.AllDirectories)
            .Select(file => int.TryParse(File.ReadAllText(file).Trim(), out var pid) ? pid : 0)
            .Where(pid => pid > 0)
            .ToList();
    }

    private static List<int> ProcessesIn(IReadOnlySet<string> namespaceIds) =>
        namespaceIds.Count == 0
            ? []
            : ProcFs.AllPids().Where(pid => ProcFs.NamespacesOf(pid).Any(namespaceIds.Contains)).ToList();

    [GeneratedRegex(@"^(net|mnt|uts):\[\d+\]$")]
    private static partial Regex NamespaceId();
}
