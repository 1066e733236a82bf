using System.Diagnostics;
using System.Globalization;

namespace Koi.Testing;

/// <summary>
/// A tiny tmpfs that only this test can see: mounted inside a private mount namespace held open by an
/// <c>unshare --mount</c> process, reached from outside through <c>/proc/PID/root</c>. When the holder exits the mount
/// goes with it, so nothing leaks into the machine's own mount table even if the test crashes. Needs root.
/// </summary>
public sealed class SmallTmpfs : IDisposable
{
    private readonly Process _holder;
    private readonly TempDirectory _mountPoint;

    private SmallTmpfs(Process holder, TempDirectory mountPoint)
    {
        _holder = holder;
        _mountPoint = mountPoint;
        Path = $"/proc/{holder.Id.ToString(CultureInfo.InvariantCulture)}/root{mountPoint.Path}";
    }

    /// <summary>The mount as this process sees it.</summary>
    public string Path { get; }

    /// <summary>Why the test bed cannot mount one, or null when it can.</summary>
    public static string? Unavailable() =>
        !OperatingSystem.IsLinux() ? "tmpfs mounts need Linux"
        : !Environment.IsPrivilegedProcess ? "mounting a tmpfs needs root"
        : !File.Exists("/usr/bin/unshare") && !File.Exists("/bin/unshare") ? "unshare(1) is not installed"
        : null;

    public static SmallTmpfs Mount(int kilobytes)
    {
        var mountPoint = new TempDirectory();
        var start = new ProcessStartInfo("unshare")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // mode=0700: koi refuses a data dir writable by others (docs/security.md), and tmpfs defaults to 1777.
        foreach (var arg in new[]
        {
            "--mount", "--propagation", "private", "sh", "-c",
            $"mount -t tmpfs -o size={kilobytes.ToString(CultureInfo.InvariantCulture)}k,mode=0700 koi-test \"$0\" && echo ready && exec sleep 600",
            mountPoint.Path,
        })
        {
            start.ArgumentList.Add(arg);
        }

        var holder = Process.Start(start) ?? throw new InvalidOperationException("could not start unshare");
        var ready = holder.StandardOutput.ReadLine();
        if (ready != "ready")
        {
            holder.WaitForExit(5000);
            var error = holder.StandardError.ReadToEnd();
            holder.Dispose();
            mountPoint.Dispose();
            throw new InvalidOperationException($"tmpfs mount failed: {error}");
        }

        // The host directory stays until Dispose: removing a mount point detaches it in every namespace.
        return new SmallTmpfs(holder, mountPoint);
    }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    /// <summary>Writes zeros until the file system says it is full; returns the filler's path.</summary>
    public string Fill()
    {
        var filler = Combine("filler");
        using var stream = new FileStream(filler, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0);
        var block = new byte[4096];
        try
        {
            for (var i = 0; i < 1_000_000; i++)
            {
                stream.Write(block);
            }
        }
        catch (IOException)
        {
        }

        // Single bytes until the last partial page is gone too.
        try
        {
            for (var i = 0; i < 4096; i++)
            {
                stream.Write(block.AsSpan(0, 1));
            }
        }
        catch (IOException)
        {
        }

        return filler;
    }

    /// <summary>Turns the whole file system read-only or back; Linux refuses while a file on it is open for writing.</summary>
    public void Remount(bool readOnly) => InNamespace("mount", "-o", readOnly ? "remount,ro" : "remount,rw", _mountPoint.Path);

    /// <summary>
    /// Makes <paramref name="relative"/> a mount of its own, so <see cref="RemountSubtree"/> can turn just it read-only
    /// while a daemon keeps other files of the tmpfs open for writing (its lock file).
    /// </summary>
    public void SplitSubtree(string relative)
    {
        var inside = System.IO.Path.Combine(_mountPoint.Path, relative);
        Directory.CreateDirectory(Combine(relative));
        InNamespace("mount", "--bind", inside, inside);
    }

    public void RemountSubtree(string relative, bool readOnly) =>
        InNamespace("mount", "-o", readOnly ? "remount,bind,ro" : "remount,bind,rw", System.IO.Path.Combine(_mountPoint.Path, relative));

    private void InNamespace(params string[] command) =>
        Run("nsenter", ["-t", _holder.Id.ToString(CultureInfo.InvariantCulture), "-m", .. command]);

    private static void Run(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)}: {error}");
        }
    }

    public void Dispose()
    {
        try
        {
            _holder.Kill();
            _holder.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
        }

        _holder.Dispose();
        _mountPoint.Dispose();
    }
}
