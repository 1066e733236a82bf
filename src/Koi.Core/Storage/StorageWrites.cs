using System.Collections.Immutable;

namespace Koi.Core.Storage;

/// <summary>
/// Where every durable write reports its outcome, so the data directory's health follows the writes themselves
/// rather than a guess (docs/data-layout.md, "Data-dir health"). Observers filter by path: several daemons in one
/// test process each watch only their own data dir.
/// </summary>
public static class StorageWrites
{
    private static ImmutableArray<IStorageWriteObserver> s_observers = [];

    public static IDisposable Observe(IStorageWriteObserver observer)
    {
        ImmutableInterlocked.Update(ref s_observers, list => list.Add(observer));
        return new Subscription(observer);
    }

    /// <summary>
    /// Runs <paramref name="write"/> against <paramref name="path"/>, reports the outcome, and turns a data-dir
    /// fault into a <see cref="StorageWriteException"/> that names the reason and the file.
    /// </summary>
    /// <summary>
    /// Runs <paramref name="write"/> against <paramref name="path"/>, reports the outcome, and turns a data-dir
    /// fault into a <see cref="StorageWriteException"/> that names the reason and the file.
    /// </summary>
    public static void Run(string path, Action write)
    {
        try
        {
            write();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            var fault = Failed(path, ex);
            if (ReferenceEquals(fault, ex))
            {
                throw;
            }

            throw fault;
        }

        Succeeded(path);
    }

    public static void Succeeded(string path) => Report(path, null);

    /// <summary>Reports a failed write and returns what to throw: a <see cref="StorageWriteException"/> for a data-dir fault, else <paramref name="error"/> itself.</summary>
    public static Exception Failed(string path, Exception error)
    {
        var thrown = error is not StorageWriteException && StorageFault.Reason(error) is { } reason
            ? new StorageWriteException(reason, path, error)
            : error;
        Report(path, thrown);
        return thrown;
    }

    private static void Report(string path, Exception? error)
    {
        foreach (var observer in s_observers)
        {
            observer.OnWrite(path, error);
        }
    }

    private sealed class Subscription(IStorageWriteObserver observer) : IDisposable
    {
        public void Dispose() => ImmutableInterlocked.Update(ref s_observers, list => list.Remove(observer));
    }
}

public interface IStorageWriteObserver
{
    /// <summary>Called on the writer's thread after each write; <paramref name="error"/> is null on success.</summary>
    void OnWrite(string path, Exception? error);
}
