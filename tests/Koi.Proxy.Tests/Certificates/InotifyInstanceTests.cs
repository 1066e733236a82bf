using Koi.Core.Status;
using Koi.Proxy.Certificates;
using Microsoft.Extensions.Logging.Abstractions;

namespace Koi.Proxy.Tests.Certificates;

/// <summary>Counts this process's inotify instances, so nothing else in the test run may open one meanwhile.</summary>
[CollectionDefinition(nameof(InotifyInstances), DisableParallelization = true)]
public sealed class InotifyInstances;

/// <summary>
/// A user may hold 128 inotify instances by default (<c>fs.inotify.max_user_instances</c>); the proxy holds one,
/// however many entries it serves (docs/proxy.md, "Certificates and hot reload").
/// </summary>
[Collection(nameof(InotifyInstances))]
public sealed class InotifyInstanceTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact(Timeout = 60_000)]
    public void CertificateSources_TwoHundredInOneProcess_OneInotifyInstanceOneWatchPerDirectory()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "inotify is Linux's");
        const int count = 200;
        var before = InotifyInstancesOfThisProcess();
        var sources = new List<CertificateSource>();
        using var hub = new DirectoryWatchHub(new ComponentHealth("proxy/cert-watch", TimeProvider.System), NullLogger.Instance);
        try
        {
            var options = new ProxyOptions { CertificateRecheck = TimeSpan.FromHours(1) };
            for (var i = 0; i < count; i++)
            {
                // Empty directories: nothing to load, but each is watched like an entry's (its name in the parent, its files).
                var directory = Directory.CreateDirectory(_dir.Combine("certs", $"host{i}")).FullName;
                var source = new CertificateSource(directory, null, hub, options, TimeProvider.System, NullLogger.Instance);
                sources.Add(source);
                source.Start();
            }

            Assert.Equal(1, InotifyInstancesOfThisProcess() - before);
            // The 200 directories and their shared parent, watched once each.
            Assert.Equal(count + 1, DirectoryWatchHubTests.KernelWatches(hub));
        }
        finally
        {
            sources.ForEach(s => s.Dispose());
        }

        Assert.Equal(0, DirectoryWatchHubTests.KernelWatches(hub));
    }

    private static int InotifyInstancesOfThisProcess()
    {
        var count = 0;
        foreach (var fd in Directory.EnumerateFileSystemEntries("/proc/self/fd"))
        {
            try
            {
                count += new FileInfo(fd).LinkTarget == "anon_inode:inotify" ? 1 : 0;
            }
            catch (IOException)
            {
                // Closed while listed.
            }
        }

        return count;
    }
}
