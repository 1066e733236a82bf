namespace Koi.Proxy.Certificates;

/// <summary>
/// One subscriber's watch on one directory, from <see cref="DirectoryWatchHub.Watch"/>: the events it asked for, and
/// when <see cref="Name"/> is set only those about that name. Disposing it stops its notices; the directory's last
/// subscriber leaving removes the kernel's watch.
/// </summary>
internal sealed class DirectoryWatch : IDisposable
{
    private readonly DirectoryWatchHub _hub;
    private readonly byte[]? _name;
    private readonly Action<DirectoryNotice> _notify;

    internal DirectoryWatch(DirectoryWatchHub hub, int descriptor, DirectoryEvents events, string? name, Action<DirectoryNotice> notify)
    {
        _hub = hub;
        Descriptor = descriptor;
        Events = events;
        Name = name;
        _name = name is null ? null : System.Text.Encoding.UTF8.GetBytes(name);
        _notify = notify;
    }

    /// <summary>The kernel's watch descriptor: the same for every subscriber of the same directory.</summary>
    public int Descriptor { get; }

    public DirectoryEvents Events { get; }

    public string? Name { get; }

    public void Dispose() => _hub.Remove(this);

    /// <summary>Whether an event (its inotify mask, the name it is about as the kernel wrote it) is one this subscriber asked for.</summary>
    internal bool Wants(uint mask, ReadOnlySpan<byte> name) =>
        (mask & (uint)Events) != 0 && (_name is null || name.SequenceEqual(_name));

    internal void Notify(DirectoryNotice notice) => _notify(notice);
}
