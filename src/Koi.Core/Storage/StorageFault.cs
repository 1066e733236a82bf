namespace Koi.Core.Storage;

/// <summary>
/// The product's one place that decides whether a failed write is the data directory's fault (full, read-only, no
/// permission) rather than a bug. On Unix .NET puts the raw errno in <see cref="Exception.HResult"/> of the
/// <see cref="IOException"/> it throws for ENOSPC, EDQUOT and EROFS; EACCES and EPERM arrive as
/// <see cref="UnauthorizedAccessException"/>.
/// </summary>
public static class StorageFault
{
    // errno values from Linux asm-generic/errno-base.h and errno.h; macOS shares ENOSPC and EROFS, EDQUOT is 69 there.
    private const int Enospc = 28;
    private const int Erofs = 30;
    private const int EdquotLinux = 122;
    private const int EdquotDarwin = 69;

    // Windows reports the same conditions as Win32 errors in the low word of a 0x8007xxxx HResult.
    private const int ErrorDiskFull = unchecked((int)0x80070070);
    private const int ErrorHandleDiskFull = unchecked((int)0x80070027);
    private const int ErrorWriteProtect = unchecked((int)0x80070013);

    /// <summary>"disk full", "read-only" or "permission denied" for a data-dir fault; null for anything else.</summary>
    public static string? Reason(Exception exception) => exception switch
    {
        StorageWriteException storage => storage.Reason,
        UnauthorizedAccessException => "permission denied",
        IOException io => io.HResult switch
        {
            Enospc or ErrorDiskFull or ErrorHandleDiskFull => "disk full",
            EdquotLinux when OperatingSystem.IsLinux() => "disk full",
            EdquotDarwin when OperatingSystem.IsMacOS() => "disk full",
            Erofs or ErrorWriteProtect => "read-only",
            _ => null,
        },
        _ => null,
    };
}

/// <summary>A state write the data directory refused; <see cref="Reason"/> says why in words a user acts on.</summary>
public sealed class StorageWriteException : IOException
{
    public StorageWriteException(string reason, string path, Exception inner)
        : base($"{reason}: cannot write {path}", inner)
    {
        Reason = reason;
        Path = path;
    }

    public StorageWriteException()
        : this("unwritable", "", new IOException())
    {
    }

    public StorageWriteException(string message)
        : base(message)
    {
        Reason = "unwritable";
        Path = "";
    }

    public StorageWriteException(string message, Exception inner)
        : base(message, inner)
    {
        Reason = "unwritable";
        Path = "";
    }

    public string Reason { get; }

    public string Path { get; }
}
