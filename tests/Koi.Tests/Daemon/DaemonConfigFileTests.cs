using Koi.Cli;
using Koi.Daemon;

namespace Koi.Tests.Daemon;

public sealed class DaemonConfigFileTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Load_NoFile_IsEmpty()
    {
        Assert.Null(DaemonConfigFile.Load(_dir.Path).Certmesh);
    }

    [Fact]
    public void Load_CertmeshPolicy_ReadsSnakeCaseKeys()
    {
        Write("certmesh:\n  cert_lifetime_days: 90\n  renew_at_day: 60\n");

        var config = DaemonConfigFile.Load(_dir.Path);

        Assert.Equal(90, config.Certmesh!.CertLifetimeDays);
        Assert.Equal(60, config.Certmesh.RenewAtDay);
    }

    [Fact]
    public void Load_EveryCertmeshKey_ReadsItsValue()
    {
        // Every key docs/certmesh.md lists for config.yaml; the scenarios' short-lifetime meshes depend on the minutes.
        Write("certmesh:\n  cert_lifetime_minutes: 6\n  renew_at_minute: 3\n  mesh_port: 7643\n  ca_check_secs: 30\n");

        var config = DaemonConfigFile.Load(_dir.Path).Certmesh!;

        Assert.Equal((6, 3, 7643, 30), (config.CertLifetimeMinutes, config.RenewAtMinute, config.MeshPort, config.CaCheckSecs));
    }

    [Theory]
    [InlineData("certmesh:\n  cert_lifetime_dayz: 90\n", "cert_lifetime_dayz")]
    [InlineData("certmesh:\n  cert_lifetime_days: 9000\n", "cert_lifetime_days must be 1 to 397")]
    [InlineData("certmesh:\n  cert_lifetime_days: 10\n  renew_at_day: 20\n", "renew_at_day")]
    [InlineData("certmesh: [1, 2\n", "line")]
    public void Load_BadFile_UsageErrorNamingTheProblem(string yaml, string named)
    {
        Write(yaml);

        var ex = Assert.Throws<UsageException>(() => DaemonConfigFile.Load(_dir.Path));

        Assert.Contains(named, ex.Message, StringComparison.Ordinal);
    }

    private void Write(string yaml) => File.WriteAllText(Path.Combine(_dir.Path, DaemonConfigFile.FileName), yaml);
}
