using Koi.Scenarios.Harness;

namespace Koi.Scenarios.Fixtures;

/// <summary>
/// A mesh for the standby CA (docs/certmesh.md, "Standby CA and failover"): stone-a will hold the CA, stone-b become
/// its standby, stone-c is a member, stone-d joins only after a failover. Short HA timings (a lab setting): probes every 2 s, takeover after 10 s without
/// the primary, syncs every 5 s, members check their CA every 5 s.
/// </summary>
public sealed class FailoverFixture : LabFixture
{
    public const string Primary = "stone-a";
    public const string Standby = "stone-b";
    public const string Member = "stone-c";
    public const string PassphraseFile = "/root/koi-ca-passphrase";
    public const string StandbyPassphraseFile = "/root/koi-standby-passphrase";

    public const string Latecomer = "stone-d";

    public static readonly IReadOnlyList<string> Hosts = [Primary, Standby, Member, Latecomer];

    private readonly Dictionary<string, LabProcess> _daemons = [];

    protected override string Scenario => "failover";

    protected override int Stones => Hosts.Count;

    /// <summary>The running daemon of each host, for faults (kill -9 by its pid) and restarts.</summary>
    internal IReadOnlyDictionary<string, LabProcess> Daemons => _daemons;

    internal async Task RestartAsync(string host, CancellationToken ct) => _daemons[host] = await KoiDaemon.StartAsync(Lab, host, ct);

    private protected override async Task BuildAsync(Lab lab, CancellationToken ct)
    {
        const string config = "certmesh:\n  ca_check_secs: 5\n  ha_probe_secs: 2\n  failover_grace_secs: 10\n  standby_sync_secs: 5\n";
        var started = await Task.WhenAll(Hosts.Select(async host =>
        {
            (await lab.RunAsync(host, ["sh", "-c", $"umask 077 && echo 'failover lab passphrase' > {PassphraseFile} && echo 'standby lab passphrase' > {StandbyPassphraseFile} && mkdir -p {KoiDaemon.DataDir} && printf '{config.Replace("\n", "\\n", StringComparison.Ordinal)}' > {KoiDaemon.DataDir}/config.yaml"], ct)).EnsureSuccess();
            return (host, await KoiDaemon.StartAsync(lab, host, ct));
        }));
        foreach (var (host, daemon) in started)
        {
            _daemons[host] = daemon;
        }
    }
}
