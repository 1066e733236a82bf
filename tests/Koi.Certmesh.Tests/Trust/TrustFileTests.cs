using Koi.Certmesh.Trust;
using Koi.Testing;

namespace Koi.Certmesh.Tests.Trust;

/// <summary>The file an OS trust tool reads: inside koi's private directory, mode 0600, never at a guessable path.</summary>
public sealed class TrustFileTests
{
    private const string Pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

    [Fact]
    public async Task CommandStore_Install_ToolReadsAPrivateFileInsideTheWorkDirectory()
    {
        using var temp = new TempDirectory();
        var work = temp.Combine("certmesh");
        var record = temp.Combine("record");
        // The "tool" records the mode, directory and content of the file it was handed (its last argument, $0 here).
        var store = new CommandTrustStore("test", ["sh", "-c", $"stat -c '%a' \"$0\" > {record}; dirname \"$0\" >> {record}; cat \"$0\" >> {record}"], ["true"], work);

        var result = await store.InstallAsync(Pem, new string('a', 64), CancellationToken.None);

        Assert.Equal(TrustState.Installed, result.State);
        var lines = File.ReadAllLines(record);
        Assert.Equal("600", lines[0]);
        Assert.Equal(work, lines[1]);
        Assert.Equal(Pem.TrimEnd('\n'), string.Join('\n', lines[2..]));
        Assert.Empty(Directory.GetFiles(work));
    }

    [Fact]
    public async Task CommandStore_Install_PlantedLinkAtTheOldTempNameIsNotFollowed()
    {
        using var temp = new TempDirectory();
        var fingerprint = "deadbeef" + new string('0', 56);
        var planted = Path.Combine(Path.GetTempPath(), $"koi-ca-{fingerprint[..8]}.crt");
        var victim = temp.Combine("victim");
        File.WriteAllText(victim, "untouched");
        File.Delete(planted);
        File.CreateSymbolicLink(planted, victim);
        try
        {
            var store = new CommandTrustStore("test", ["true"], ["true"], temp.Combine("certmesh"));

            await store.InstallAsync(Pem, fingerprint, CancellationToken.None);

            Assert.Equal("untouched", File.ReadAllText(victim));
        }
        finally
        {
            File.Delete(planted);
        }
    }
}
