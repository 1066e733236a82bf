namespace Koi.Certmesh.Trust;

/// <summary>
/// Finds this machine's trust stores. On Linux: the system anchors directory and every NSS database under the home
/// directory (Chromium's <c>~/.pki/nssdb</c>, Firefox profiles) when <c>certutil</c> exists. Windows and macOS use
/// their own tools behind OS checks.
/// </summary>
internal static class TrustStoreLocator
{
    /// <summary>The stores; <paramref name="workDirectory"/> (private to koi) holds the files handed to OS tools.</summary>
    public static IReadOnlyList<ITrustStore> Default(string workDirectory)
    {
        var stores = new List<ITrustStore>();
        if (OperatingSystem.IsLinux())
        {
            stores.Add(new SystemTrustStore("/usr/local/share/ca-certificates", ["update-ca-certificates"]));
            var certutil = FindOnPath("certutil");
            if (certutil is not null)
            {
                foreach (var database in NssDatabases(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile)))
                {
                    stores.Add(new NssTrustStore(database, certutil, workDirectory));
                }
            }
        }
        else if (OperatingSystem.IsWindows())
        {
            stores.Add(new CommandTrustStore("windows-root", ["certutil", "-addstore", "Root"], ["certutil", "-delstore", "Root"], workDirectory));
        }
        else if (OperatingSystem.IsMacOS())
        {
            stores.Add(new CommandTrustStore(
                "macos-system",
                ["security", "add-trusted-cert", "-d", "-r", "trustRoot", "-k", "/Library/Keychains/System.keychain"],
                ["security", "remove-trusted-cert", "-d"],
                workDirectory));
        }

        return stores;
    }

    public static IEnumerable<string> NssDatabases(string home)
    {
        var chromium = Path.Combine(home, ".pki", "nssdb");
        if (File.Exists(Path.Combine(chromium, "cert9.db")))
        {
            yield return chromium;
        }

        foreach (var root in new[] { Path.Combine(home, ".mozilla", "firefox"), Path.Combine(home, "snap", "firefox", "common", ".mozilla", "firefox") })
        {
            if (!Directory.Exists(root))
            {
                continue;
            }

            foreach (var profile in Directory.EnumerateDirectories(root))
            {
                if (File.Exists(Path.Combine(profile, "cert9.db")))
                {
                    yield return profile;
                }
            }
        }
    }

    private static string? FindOnPath(string tool)
    {
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator))
        {
            var candidate = Path.Combine(directory, tool);
            if (directory.Length > 0 && File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
