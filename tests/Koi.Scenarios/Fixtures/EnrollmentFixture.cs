using Koi.Scenarios.Harness;

namespace Koi.Scenarios.Fixtures;

/// <summary>
/// Six koi machines on one LAN for enrollment: stone-a holds the CA, stone-b and stone-c join it, stone-d plays the
/// rogue CA, stone-e runs a team CA that needs approval and stone-f is the newcomer that meets both.
/// </summary>
public sealed class EnrollmentFixture : LabFixture
{
    public const string Ca = "stone-a";
    public const string ByMdns = "stone-b";
    public const string ByEndpoint = "stone-c";
    public const string Rogue = "stone-d";
    public const string TeamCa = "stone-e";
    public const string Newcomer = "stone-f";
    public const string PassphraseFile = "/root/koi-ca-passphrase";

    public static readonly IReadOnlyList<string> Hosts = [Ca, ByMdns, ByEndpoint, Rogue, TeamCa, Newcomer];

    protected override string Scenario => "enroll";

    protected override int Stones => Hosts.Count;

    private protected override async Task BuildAsync(Lab lab, CancellationToken ct)
    {
        await Task.WhenAll(Hosts.Select(async host =>
        {
            (await lab.RunAsync(host, ["sh", "-c", $"umask 077 && echo 'enrollment lab passphrase {host}' > {PassphraseFile}"], ct)).EnsureSuccess();
            await KoiDaemon.StartAsync(lab, host, ct);
        }));
    }
}
