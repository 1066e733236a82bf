using Koi.Certmesh.Issuing;
using Koi.Testing;

namespace Koi.Certmesh.Tests.Issuing;

public sealed class CertFileSetTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact(Timeout = 60_000)]
    public async Task Write_RepeatedWhileAReaderLooks_DirectoryAndItsPairNeverMissing()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "the atomic exchange is Linux's renameat2");
        var certs = _dir.Combine("certs", "stone-a");
        CertFileSet.Write(certs, "cert 0\n", "key 0\n", "ca\n");
        var missing = 0;
        var looks = 0;
        using var stop = new CancellationTokenSource();

        // A reader as the proxy is one: does the directory (with its key) exist right now?
        var reader = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                Interlocked.Increment(ref looks);
                if (!File.Exists(Path.Combine(certs, "key.pem")))
                {
                    missing++;
                }
            }
        }, TestContext.Current.CancellationToken);
        // At least 300 swaps, and on until the reader has looked often enough: on a loaded box the reader's thread may
        // not run at all during the first few hundred.
        var written = 0;
        var writing = System.Diagnostics.Stopwatch.StartNew();
        while (written < 300 || (Volatile.Read(ref looks) <= 1000 && writing.Elapsed < TimeSpan.FromSeconds(30)))
        {
            written++;
            CertFileSet.Write(certs, $"cert {written}\n", $"key {written}\n", "ca\n");
        }

        await stop.CancelAsync();
        await reader;

        Assert.True(looks > 1000, $"the reader looked only {looks} times; the test proves nothing");
        Assert.Equal(0, missing);
        Assert.Equal($"cert {written}\n", await File.ReadAllTextAsync(Path.Combine(certs, "cert.pem"), TestContext.Current.CancellationToken));
        Assert.Equal($"key {written}\n", await File.ReadAllTextAsync(Path.Combine(certs, "key.pem"), TestContext.Current.CancellationToken));
        Assert.Equal(["stone-a"], Directory.GetFileSystemEntries(_dir.Combine("certs")).Select(Path.GetFileName)); // nothing staged or retired left
    }
}
