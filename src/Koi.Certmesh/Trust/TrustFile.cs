using System.Security.Cryptography;
using System.Text;

namespace Koi.Certmesh.Trust;

/// <summary>
/// The CA certificate as a file for an OS tool to read. Written inside koi's own private directory (never the shared
/// temp directory, where another user could plant a file or a link at a name it can guess), under a random name,
/// created new (a link already there fails the open instead of being followed) and private from creation.
/// </summary>
internal static class TrustFile
{
    private const UnixFileMode PrivateDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    public static async Task<string> WriteAsync(string directory, string caPem, string extension, CancellationToken cancellationToken)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
        }
        else
        {
            Directory.CreateDirectory(directory, PrivateDirectory);
        }

        var path = Path.Combine(directory, $".trust-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12))}{extension}");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        await using var stream = new FileStream(path, options);
        await stream.WriteAsync(Encoding.ASCII.GetBytes(caPem), cancellationToken);
        return path;
    }
}
