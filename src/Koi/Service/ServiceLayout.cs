namespace Koi.Service;

/// <summary>Where an installed koi lives: the binary, the systemd unit and the data directory it runs with.</summary>
internal sealed record ServiceLayout(string BinaryPath, string UnitPath, string DataDir)
{
    public const string UnitName = "koi.service";

    public static ServiceLayout Default(string dataDir) =>
        new("/usr/local/bin/koi", "/etc/systemd/system/" + UnitName, dataDir);
}
