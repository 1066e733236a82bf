using Koi.Core.Storage;

namespace Koi.Certmesh.Issuing;

/// <summary>
/// Writes <c>certs/&lt;host&gt;/</c> (cert.pem, key.pem 0600, ca.pem, fullchain.pem) as a set: the files are staged
/// in a sibling directory and swapped in (<see cref="DirectorySwap"/>: one atomic exchange on Linux), so a reader never
/// pairs a new certificate with an old key and never finds the directory missing.
/// </summary>
internal static class CertFileSet
{
    private const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    public static void Write(string directory, string certPem, string keyPem, string caPem)
    {
        var parent = Path.GetDirectoryName(Path.GetFullPath(directory))!;
        CreateDirectory(parent);
        var name = Path.GetFileName(directory);
        var staging = Path.Combine(parent, $".{name}.{Guid.NewGuid():N}.new");
        var retired = Path.Combine(parent, $".{name}.{Guid.NewGuid():N}.old");
        CreateDirectory(staging);
        try
        {
            AtomicFile.WriteAllText(Path.Combine(staging, "key.pem"), keyPem, AtomicFile.SecretMode);
            AtomicFile.WriteAllText(Path.Combine(staging, "cert.pem"), certPem);
            AtomicFile.WriteAllText(Path.Combine(staging, "ca.pem"), caPem);
            AtomicFile.WriteAllText(Path.Combine(staging, "fullchain.pem"), certPem + caPem);
            DirectorySwap.Replace(staging, directory, retired);
        }
        catch
        {
            if (!Directory.Exists(directory) && Directory.Exists(retired))
            {
                Directory.Move(retired, directory);
            }

            TryDelete(staging);
            throw;
        }

        TryDelete(retired);
    }

    private static void CreateDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
        }
        else
        {
            Directory.CreateDirectory(path, DirectoryMode);
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }
        catch (IOException)
        {
        }
    }
}
