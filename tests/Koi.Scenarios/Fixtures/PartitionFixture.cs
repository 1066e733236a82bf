using Koi.Scenarios.Harness;

namespace Koi.Scenarios.Fixtures;

/// <summary>
/// stone-a (CA), stone-b (its standby) and stone-c (a member) with the short HA timings of <see cref="FailoverFixture"/>,
/// for a partition between the two CAs (nftables drop in stone-a's namespace) that heals.
/// </summary>
public sealed class PartitionFixture : LabFixture
{
    public const string Primary = "stone-a";
    public const string Standby = "stone-b";
    public const string Member = "stone-c";

    public static readonly IReadOnlyList<string> Hosts = [Primary, Standby, Member];

    protected override string Scenario => "partition";

    protected override int Stones => Hosts.Count;

    private protected override async Task BuildAsync(Lab lab, CancellationToken ct)
    {
        const string config = "certmesh:\n  ca_check_secs: 5\n  ha_probe_secs: 2\n  failover_grace_secs: 10\n  standby_sync_secs: 5\n";
        await Task.WhenAll(Hosts.Select(async host =>
        {
            (await lab.RunAsync(host, ["sh", "-c", $"umask 077 && echo 'failover lab passphrase' > {FailoverFixture.PassphraseFile} && echo 'standby lab passphrase' > {FailoverFixture.StandbyPassphraseFile} && mkdir -p {KoiDaemon.DataDir} && printf '{config.Replace("\n", "\\n", StringComparison.Ordinal)}' > {KoiDaemon.DataDir}/config.yaml"], ct)).EnsureSuccess();
            await KoiDaemon.StartAsync(lab, host, ct);
        }));
    }
}
