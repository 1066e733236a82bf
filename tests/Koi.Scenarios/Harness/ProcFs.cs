namespace Koi.Scenarios.Harness;

/// <summary>The few facts about processes and mounts the harness reads from /proc.</summary>
internal static class ProcFs
{
    /// <summary>Running means existing and not a zombie waiting to be collected.</summary>
    public static bool IsRunning(int pid)
    {
        var state = State(pid);
        return state is not null and not 'Z' and not 'X';
    }

    public static bool Exists(int pid) => Directory.Exists($"/proc/{pid}");

    public static IEnumerable<int> AllPids() =>
        Directory.EnumerateDirectories("/proc")
            .Select(Path.GetFileName)
            .Select(name => int.TryParse(name, out var pid) ? pid : 0)
            .Where(pid => pid > 0);

    /// <summary>Namespace identities such as "net:[4026532177]", as /proc/PID/ns/* links name them.</summary>
    public static IEnumerable<string> NamespacesOf(int pid)
    {
        foreach (var kind in new[] { "net", "mnt", "uts" })
        {
            string? target;
            try
            {
                target = new FileInfo($"/proc/{pid}/ns/{kind}").LinkTarget;
            }
            catch (IOException)
            {
                continue;
            }
            catch (UnauthorizedAccessException)
            {
                continue;
            }

            if (target is not null)
            {
                yield return target;
            }
        }
    }

    /// <summary>Mount point and root of every mount this process sees; nsfs mounts have roots like "net:[…]".</summary>
    public static IReadOnlyList<(string MountPoint, string Root)> Mounts() =>
        File.ReadAllLines("/proc/self/mountinfo")
            .Select(line => line.Split(' '))
            .Select(fields => (Unescape(fields[4]), Unescape(fields[3])))
            .ToList();

    private static char? State(int pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return null;
        }

        // The command name is parenthesised and may contain spaces; the state follows it.
        var afterName = stat.LastIndexOf(')');
        return afterName > 0 && afterName + 2 < stat.Length ? stat[afterName + 2] : null;
    }

    private static string Unescape(string field) => field.Replace("\\040", " ", StringComparison.Ordinal);
}
