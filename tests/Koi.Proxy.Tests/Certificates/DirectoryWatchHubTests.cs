using System.Collections.Concurrent;
using System.Diagnostics;
using Koi.Core.Status;
using Koi.Proxy.Certificates;
using Koi.Proxy.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace Koi.Proxy.Tests.Certificates;

/// <summary>
/// The proxy's one inotify instance (docs/proxy.md, "Certificates and hot reload"): one kernel watch per directory
/// whatever the number of subscribers, removed with the last of them or by the kernel when the directory goes, and a
/// reader thread that stops at once. The watches are read where the kernel lists them, /proc/self/fdinfo.
/// </summary>
public sealed class DirectoryWatchHubTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly DirectoryWatchHub _hub = new(new ComponentHealth("proxy/cert-watch", TimeProvider.System), NullLogger.Instance);

    public void Dispose()
    {
        _hub.Dispose();
        _dir.Dispose();
    }

    [Fact(Timeout = 30_000)]
    public async Task Watch_SubscriberDisposed_NoMoreNoticesAndTheLastRemovesTheKernelWatch()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "inotify is Linux's");
        var directory = Directory.CreateDirectory(_dir.Combine("certs")).FullName;
        var first = new ConcurrentQueue<DirectoryNotice>();
        var second = new ConcurrentQueue<DirectoryNotice>();
        var leaving = Subscribe(directory, first);
        using var staying = Subscribe(directory, second);
        Assert.Equal(leaving.Descriptor, staying.Descriptor);
        Assert.Equal(1, KernelWatches(_hub));

        leaving.Dispose();
        await File.WriteAllTextAsync(Path.Combine(directory, "a.pem"), "x", TestContext.Current.CancellationToken);

        await Eventually.TrueAsync(() => !second.IsEmpty, "the remaining subscriber to be told", seconds: 5);
        await Task.Delay(200, TestContext.Current.CancellationToken);
        Assert.Empty(first);
        Assert.Equal(1, KernelWatches(_hub));

        staying.Dispose();
        Assert.Equal(0, _hub.WatchCount);
        Assert.Equal(0, KernelWatches(_hub));
    }

    [Fact(Timeout = 30_000)]
    public async Task Watch_NameGiven_OnlyEventsAboutThatName()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "inotify is Linux's");
        var parent = Directory.CreateDirectory(_dir.Combine("certs")).FullName;
        var grafana = new ConcurrentQueue<DirectoryNotice>();
        var everything = new ConcurrentQueue<DirectoryNotice>();
        using var named = _hub.Watch(parent, DirectoryEvents.Names, "grafana", grafana.Enqueue, out _)!;
        using var all = Subscribe(parent, everything);

        Directory.CreateDirectory(Path.Combine(parent, "grafanax"));
        Directory.CreateDirectory(Path.Combine(parent, "busy"));
        await Eventually.TrueAsync(() => everything.Count >= 2, "the unnamed subscriber to see both", seconds: 5);
        Assert.Empty(grafana);

        Directory.CreateDirectory(Path.Combine(parent, "grafana"));
        await Eventually.TrueAsync(() => !grafana.IsEmpty, "the named subscriber to see its name", seconds: 5);
        Assert.Equal([DirectoryNotice.Changed], grafana);
    }

    [Fact(Timeout = 30_000)]
    public async Task Watch_DirectoryDeletedThenCreatedAgain_LostThenWatchedAgain()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "inotify is Linux's");
        var directory = Directory.CreateDirectory(_dir.Combine("certs")).FullName;
        var before = new ConcurrentQueue<DirectoryNotice>();
        using var old = Subscribe(directory, before);

        Directory.Delete(directory);
        await Eventually.TrueAsync(() => before.Contains(DirectoryNotice.Lost), "the subscriber to learn its watch ended", seconds: 5);
        Assert.Equal(0, _hub.WatchCount);
        Assert.Equal(0, KernelWatches(_hub));
        Assert.Null(_hub.Watch(directory, DirectoryEvents.NamesAndContents, null, _ => { }, out var missing));
        Assert.Null(missing);

        Directory.CreateDirectory(directory);
        var after = new ConcurrentQueue<DirectoryNotice>();
        using var again = Subscribe(directory, after);
        await File.WriteAllTextAsync(Path.Combine(directory, "a.pem"), "x", TestContext.Current.CancellationToken);

        await Eventually.TrueAsync(() => after.Contains(DirectoryNotice.Changed), "the new directory's events", seconds: 5);
        Assert.Equal(1, KernelWatches(_hub));
        old.Dispose();
        Assert.Equal(1, KernelWatches(_hub));
    }

    [Fact(Timeout = 30_000)]
    public void Dispose_ReaderWaitingForEvents_ReturnsWithinASecondAndTheThreadEnds()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "inotify is Linux's");
        var health = new ComponentHealth("proxy/cert-watch", TimeProvider.System);
        var hub = new DirectoryWatchHub(health, NullLogger.Instance);
        using var watch = Subscribe(hub, Directory.CreateDirectory(_dir.Combine("certs")).FullName, new ConcurrentQueue<DirectoryNotice>());
        Assert.True(hub.Reading);
        Assert.Equal(ComponentState.Running, health.Snapshot.State);

        var clock = Stopwatch.StartNew();
        hub.Dispose();

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"Dispose took {clock.Elapsed}");
        Assert.False(hub.Reading);
        Assert.Equal(ComponentState.Stopped, health.Snapshot.State);
        Assert.Null(hub.Watch(_dir.Path, DirectoryEvents.Names, null, _ => { }, out var stopping));
        Assert.NotNull(stopping);
    }

    [Fact(Timeout = 30_000)]
    public async Task ProxyService_StartedThenDisposed_CertWatchComponentRunningThenStopped()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "inotify is Linux's");
        var proxy = new ProxyHarness();
        await using (proxy)
        {
            proxy.Service.Start();
            var running = proxy.Status.Snapshot("proxy").Single(c => c.Name == "proxy/cert-watch");
            Assert.Equal(ComponentState.Running, running.State);
            Assert.Contains("one inotify instance", running.Reason!, StringComparison.Ordinal);
        }

        Assert.Equal(ComponentState.Stopped, proxy.Status.Snapshot("proxy").Single(c => c.Name == "proxy/cert-watch").State);
    }

    private DirectoryWatch Subscribe(string directory, ConcurrentQueue<DirectoryNotice> notices) => Subscribe(_hub, directory, notices);

    private static DirectoryWatch Subscribe(DirectoryWatchHub hub, string directory, ConcurrentQueue<DirectoryNotice> notices) =>
        hub.Watch(directory, DirectoryEvents.NamesAndContents, null, notices.Enqueue, out var error)
        ?? throw new InvalidOperationException($"cannot watch {directory}: {error}");

    /// <summary>The watches the kernel holds on the hub's instance: its fdinfo has one <c>inotify wd:</c> line per watch.</summary>
    internal static int KernelWatches(DirectoryWatchHub hub) =>
        File.ReadLines($"/proc/self/fdinfo/{hub.Descriptor}").Count(line => line.StartsWith("inotify", StringComparison.Ordinal));
}
