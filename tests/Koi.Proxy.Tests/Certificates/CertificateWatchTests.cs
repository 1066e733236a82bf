using System.Runtime.InteropServices;
using Koi.Core.Status;
using Koi.Proxy.Certificates;
using Koi.Proxy.Tests.Support;
using Koi.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Koi.Proxy.Tests.Certificates;

/// <summary>
/// What wakes a certificate source (docs/proxy.md, "Certificates"): its directory replaced or its files written, never
/// files written beside it in the parent's other directories. The periodic check is an hour here, so every reload
/// below is the watchers' doing.
/// </summary>
public sealed class CertificateWatchTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly TestPki _pki = new();
    private readonly DirectoryWatchHub _watches = new(new ComponentHealth("proxy/cert-watch", TimeProvider.System), NullLogger.Instance);

    public void Dispose()
    {
        _watches.Dispose();
        _pki.Dispose();
        _dir.Dispose();
    }

    [Fact(Timeout = 30_000)]
    public async Task FilesWrittenInASiblingDirectory_NoWakeup()
    {
        var certs = _dir.Combine("certs", "grafana");
        _pki.WriteSet(certs, "01aa");
        using var source = Start(certs);
        var busy = Directory.CreateDirectory(_dir.Combine("certs", "busy")).FullName;

        for (var i = 0; i < 50; i++)
        {
            await File.WriteAllTextAsync(Path.Combine(busy, $"f{i}.log"), "x", TestContext.Current.CancellationToken);
        }

        await File.WriteAllTextAsync(_dir.Combine("certs", "beside.txt"), "x", TestContext.Current.CancellationToken);
        await Task.Delay(500, TestContext.Current.CancellationToken);
        Assert.Equal(0, source.Wakeups);
        Assert.Equal("01aa", source.Current?.Serial);
    }

    [Fact(Timeout = 30_000)]
    public async Task DirectoryReplacedThenFilesWrittenInPlace_BothLoaded()
    {
        var certs = _dir.Combine("certs", "grafana");
        _pki.WriteSet(certs, "01aa");
        using var source = Start(certs);

        _pki.WriteSet(certs, "02bb");
        await Eventually.TrueAsync(() => source.Current?.Serial == "02bb", "the replaced directory to be loaded", seconds: 5);

        // The files watch now follows the new directory, not the one renamed away.
        var (cert, key) = _pki.Issue("03cc");
        await File.WriteAllTextAsync(Path.Combine(certs, "key.pem"), key, TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(Path.Combine(certs, "fullchain.pem"), cert + _pki.CaPem, TestContext.Current.CancellationToken);
        await Eventually.TrueAsync(() => source.Current?.Serial == "03cc", "the files written in place to be loaded", seconds: 5);
    }

    [Fact(Timeout = 30_000)]
    public async Task DirectoryCreatedAfterStart_PathWithTrailingSlash_Loaded()
    {
        var certs = _dir.Combine("certs", "later");
        Directory.CreateDirectory(_dir.Combine("certs"));
        using var source = Start(certs + "/");
        Assert.Null(source.Current);

        _pki.WriteSet(certs, "04dd");

        await Eventually.TrueAsync(() => source.Current?.Serial == "04dd", "the new directory to be loaded", seconds: 5);
    }

    [Fact(Timeout = 30_000)]
    public async Task DirectoryExchangedLikeCertmeshOnLinux_Loaded()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "renameat2 is Linux's");
        var certs = _dir.Combine("certs", "grafana");
        _pki.WriteSet(certs, "01aa");
        using var source = Start(certs);
        var staged = _dir.Combine("certs", ".grafana.new");
        _pki.WriteSet(staged, "05ee");

        // What certmesh's renewal does: both names stay, their directories trade places in one step.
        Assert.Equal(0, RenameAt2(AtCurrentDirectory, staged, AtCurrentDirectory, certs, RenameExchange));

        await Eventually.TrueAsync(() => source.Current?.Serial == "05ee", "the exchanged directory to be loaded", seconds: 5);
    }

    [Fact(Timeout = 30_000)]
    public async Task DirectoryDeletedThenCreatedAgain_WatchedAgainAndLoaded()
    {
        var certs = _dir.Combine("certs", "grafana");
        _pki.WriteSet(certs, "01aa");
        using var source = Start(certs);

        Directory.Delete(certs, recursive: true);
        await Eventually.TrueAsync(() => source.Problem is not null, "the deleted files to be reported", seconds: 5);
        Assert.Equal("01aa", source.Current?.Serial);

        _pki.WriteSet(certs, "06ff");
        await Eventually.TrueAsync(() => source.Current?.Serial == "06ff", "the directory created again to be loaded", seconds: 5);

        // Its files are watched again: written in place, they are loaded without the (hour-long) periodic check.
        var (cert, key) = _pki.Issue("07aa");
        await File.WriteAllTextAsync(Path.Combine(certs, "key.pem"), key, TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(Path.Combine(certs, "fullchain.pem"), cert + _pki.CaPem, TestContext.Current.CancellationToken);
        await Eventually.TrueAsync(() => source.Current?.Serial == "07aa", "the files written in place to be loaded", seconds: 5);
    }

    private const int AtCurrentDirectory = -100;
    private const uint RenameExchange = 2;

    [DllImport("libc", EntryPoint = "renameat2", SetLastError = true)]
    private static extern int RenameAt2(int oldDirectory, string oldPath, int newDirectory, string newPath, uint flags);

    private CertificateSource Start(string directory)
    {
        var source = new CertificateSource(directory, null, _watches, new ProxyOptions { CertificateRecheck = TimeSpan.FromHours(1) }, TimeProvider.System, NullLogger.Instance);
        source.Start();
        return source;
    }
}
