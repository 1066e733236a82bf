namespace Koi.Scenarios.Harness;

/// <summary>A background process on a lab host (scripts/lab bg), with its captured log.</summary>
internal sealed record LabProcess(string Host, string Name, int Pid, string LogPath)
{
    public bool IsRunning => ProcFs.IsRunning(Pid);

    public string ReadLog()
    {
        using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    public string ReadLogTail(int lines = 30) => string.Join('\n', ReadLog().Split('\n').TakeLast(lines));
}
