namespace Koi.Health.Machines;

/// <summary>
/// One spelling per machine: mDNS says <c>stone-05.local.</c>, certmesh says <c>stone-05</c>; health shows
/// <c>stone-05</c> and matches case-insensitively.
/// </summary>
internal static class MachineName
{
    public static string Normalize(string host)
    {
        var name = host.Trim().TrimEnd('.');
        if (name.EndsWith(".local", StringComparison.OrdinalIgnoreCase))
        {
            name = name[..^".local".Length];
        }

        return name.ToLowerInvariant();
    }
}
