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
                looks++;
                if (!File.Exists(Path.Combine(certs, "key.pem")))
                {
                    missing++;
                }
            }
        }, TestContext.Current.CancellationToken);
        for (var i = 1; i <= 300; i++)
        {
            CertFileSet.Write(certs, $"cert {i}\n", $"key {i}\n", "ca\n");
        }

        await stop.CancelAsync();
        await reader;

        Assert.True(looks > 1000, $"the reader looked only {looks} times; the test proves nothing");
        Assert.Equal(0, missing);
        Assert.Equal("cert 300\n", await File.ReadAllTextAsync(Path.Combine(certs, "cert.pem"), TestContext.Current.CancellationToken));
        Assert.Equal("key 300\n", await File.ReadAllTextAsync(Path.Combine(certs, "key.pem"), TestContext.Current.CancellationToken));
        Assert.Equal(["stone-a"], Directory.GetFileSystemEntries(_dir.Combine("certs")).Select(Path.GetFileName)); // nothing staged or retired left
    }
}
