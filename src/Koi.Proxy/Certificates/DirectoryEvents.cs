namespace Koi.Proxy.Certificates;

/// <summary>What happens in a watched directory that a subscriber wants to hear about; the values are inotify(7)'s bits.</summary>
[Flags]
internal enum DirectoryEvents : uint
{
    None = 0,

    /// <summary>IN_MODIFY: a file was written.</summary>
    Modified = 0x2,

    /// <summary>IN_CLOSE_WRITE: a file opened for writing was closed.</summary>
    ClosedAfterWrite = 0x8,

    /// <summary>IN_MOVED_FROM: a name was renamed away (or swapped by <c>renameat2(RENAME_EXCHANGE)</c>).</summary>
    MovedFrom = 0x40,

    /// <summary>IN_MOVED_TO: a name was renamed into place (or swapped).</summary>
    MovedTo = 0x80,

    /// <summary>IN_CREATE: a name was created.</summary>
    Created = 0x100,

    /// <summary>IN_DELETE: a name was deleted.</summary>
    Deleted = 0x200,

    /// <summary>A name in the directory appeared, went or was replaced.</summary>
    Names = MovedFrom | MovedTo | Created | Deleted,

    /// <summary>Names, and the files' contents written.</summary>
    NamesAndContents = Names | Modified | ClosedAfterWrite,
}

/// <summary>What a subscriber of <see cref="DirectoryWatchHub"/> is told.</summary>
internal enum DirectoryNotice
{
    /// <summary>One of the events it asked for happened.</summary>
    Changed,

    /// <summary>The watch ended (the directory was deleted or unmounted): nothing more comes from it; watch again.</summary>
    Lost,

    /// <summary>The kernel's event queue overflowed and events were dropped: look at everything again.</summary>
    Overflow,
}
