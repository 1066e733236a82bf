using System.Text;

namespace Koi.Health.Transitions;

/// <summary>
/// <c>logs/health.log</c>: append-only, one line per transition, never rewritten. Appends are serialised here, so
/// lines never interleave; readers take whole lines and skip a torn last one.
/// </summary>
internal sealed class TransitionLog(string path)
{
    /// <summary>Lines returned at most by one read; the newest are kept.</summary>
    public const int MaxRead = 10_000;

    private readonly Lock _gate = new();

    public string Path { get; } = path;

    public void Append(Transition transition)
    {
        var line = TransitionLine.Format(transition) + "\n";
        lock (_gate)
        {
            // A full or read-only disk shows in core/data_dir (docs/data-layout.md); a torn line is skipped by readers.
            Core.Storage.StorageWrites.Run(Path, () =>
            {
                Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
                var options = new FileStreamOptions { Mode = FileMode.Append, Access = FileAccess.Write, Share = FileShare.Read };
                if (!OperatingSystem.IsWindows())
                {
                    options.UnixCreateMode = Core.Storage.AtomicFile.PublicMode;
                }

                using var stream = new FileStream(Path, options);
                stream.Write(Encoding.UTF8.GetBytes(line));
                stream.Flush(flushToDisk: true);
            });
        }
    }

    /// <summary>Transitions at or after <paramref name="since"/> (all when null), oldest first, at most <paramref name="limit"/> of the newest.</summary>
    public IReadOnlyList<Transition> Read(DateTimeOffset? since, int limit = MaxRead)
    {
        var found = new Queue<Transition>();
        if (!File.Exists(Path))
        {
            return [];
        }

        using var stream = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        while (reader.ReadLine() is { } line)
        {
            if (TransitionLine.Parse(line) is { } transition && (since is null || transition.At >= since))
            {
                found.Enqueue(transition);
                if (found.Count > limit)
                {
                    found.Dequeue();
                }
            }
        }

        return [.. found];
    }
}
