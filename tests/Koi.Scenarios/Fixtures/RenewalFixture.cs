using Koi.Scenarios.Harness;

namespace Koi.Scenarios.Fixtures;

/// <summary>
/// A mesh with minute-scale certificates (docs/certmesh.md "Lifetimes": a test setting): stone-a holds the CA,
/// stone-b and stone-c join it. Every daemon checks its CA every 5 s; certificates live 3 minutes and renew at
/// minute 1, so several renewals happen within a few minutes.
/// </summary>
public sealed class RenewalFixture : LabFixture
{
    public const string Ca = "stone-a";
    public const string HookedMember = "stone-b";
    public const string FailingHookMember = "stone-c";
    public const string PassphraseFile = "/root/koi-ca-passphrase";

    public static readonly IReadOnlyList<string> Hosts = [Ca, HookedMember, FailingHookMember];

    protected override string Scenario => "renew";

    protected override int Stones => Hosts.Count;

    private protected override async Task BuildAsync(Lab lab, CancellationToken ct)
    {
        const string config = "certmesh:\n  ca_check_secs: 5\n  cert_lifetime_minutes: 3\n  renew_at_minute: 1\n";
        await Task.WhenAll(Hosts.Select(async host =>
        {
            (await lab.RunAsync(host, ["sh", "-c", $"umask 077 && echo 'renewal lab passphrase' > {PassphraseFile} && mkdir -p {KoiDaemon.DataDir} && printf '{config.Replace("\n", "\\n", StringComparison.Ordinal)}' > {KoiDaemon.DataDir}/config.yaml"], ct)).EnsureSuccess();
            await KoiDaemon.StartAsync(lab, host, ct);
        }));
    }
}
