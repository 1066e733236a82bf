using System.Text.Json;
using Koi.Core.Storage;

namespace Koi.Daemon;

/// <summary>
/// How the CLI finds its local daemon: endpoint and token, in the data dir, readable by the daemon's user only.
/// </summary>
internal sealed record Breadcrumb(string Endpoint, string Token, int Pid, DateTimeOffset StartedAt)
{
    public const string FileName = "daemon.json";

    public static string PathIn(string dataDir) => System.IO.Path.Combine(dataDir, FileName);

    public void Write(string dataDir) =>
        AtomicFile.WriteAllBytes(PathIn(dataDir), KoiJson.ToIndentedUtf8Bytes(this, KoiJsonContext.Default.Breadcrumb), AtomicFile.SecretMode);

    public static Breadcrumb? TryRead(string dataDir)
    {
        try
        {
            var path = PathIn(dataDir);
            return File.Exists(path) ? JsonSerializer.Deserialize(File.ReadAllBytes(path), KoiJsonContext.Default.Breadcrumb) : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            return null;
        }
    }

    /// <summary>Removes the breadcrumb if it is still this process's (a newer daemon may have replaced it).</summary>
    public static void RemoveIfOwnedBy(string dataDir, int pid)
    {
        if (TryRead(dataDir) is { } current && current.Pid == pid)
        {
            File.Delete(PathIn(dataDir));
        }
    }
}
