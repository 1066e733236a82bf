using Koi.Scenarios.Harness;

namespace Koi.Scenarios.Fixtures;

/// <summary>
/// A mesh with two standbys (docs/certmesh.md, "Return and tie-break"): stone-a holds the CA, stone-b was its standby
/// until stone-c was promoted in its place (stone-b keeps its copy), stone-d is a member serving HTTPS through its
/// proxy. The short HA timings of <see cref="FailoverFixture"/>.
/// </summary>
public sealed class TieBreakFixture : LabFixture
{
    public const string Primary = "stone-a";
    public const string FirstStandby = "stone-b";
    public const string SecondStandby = "stone-c";
    public const string Member = "stone-d";

    public static readonly IReadOnlyList<string> Hosts = [Primary, FirstStandby, SecondStandby, Member];

    private readonly Dictionary<string, LabProcess> _daemons = [];

    protected override string Scenario => "tiebreak";

    protected override int Stones => Hosts.Count;

    /// <summary>The running daemon of each host, for faults (kill -9 by its pid) and restarts.</summary>
    internal IReadOnlyDictionary<string, LabProcess> Daemons => _daemons;

    internal async Task RestartAsync(string host, CancellationToken ct) => _daemons[host] = await KoiDaemon.StartAsync(Lab, host, ct);

    private protected override async Task BuildAsync(Lab lab, CancellationToken ct)
    {
        const string config = "certmesh:\n  ca_check_secs: 5\n  ha_probe_secs: 2\n  failover_grace_secs: 10\n  standby_sync_secs: 5\n";
        var started = await Task.WhenAll(Hosts.Select(async host =>
        {
            (await lab.RunAsync(host, ["sh", "-c", $"umask 077 && echo 'failover lab passphrase' > {FailoverFixture.PassphraseFile} && echo 'standby lab passphrase' > {FailoverFixture.StandbyPassphraseFile} && mkdir -p {KoiDaemon.DataDir} && printf '{config.Replace("\n", "\\n", StringComparison.Ordinal)}' > {KoiDaemon.DataDir}/config.yaml"], ct)).EnsureSuccess();
            return (host, await KoiDaemon.StartAsync(lab, host, ct));
        }));
        foreach (var (host, daemon) in started)
        {
            _daemons[host] = daemon;
        }
    }
}
