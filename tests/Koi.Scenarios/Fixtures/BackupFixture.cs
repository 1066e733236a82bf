using Koi.Scenarios.Harness;

namespace Koi.Scenarios.Fixtures;

/// <summary>
/// A CA on stone-a with a member stone-b; stone-d becomes the CA from stone-a's backup, and stone-c joins it there.
/// </summary>
public sealed class BackupFixture : LabFixture
{
    public const string Ca = "stone-a";
    public const string Member = "stone-b";
    public const string Newcomer = "stone-c";
    public const string Replacement = "stone-d";
    public const string PassphraseFile = "/root/koi-ca-passphrase";
    public const string BackupPassphraseFile = "/root/koi-backup-passphrase";

    public static readonly IReadOnlyList<string> Hosts = [Ca, Member, Newcomer, Replacement];

    protected override string Scenario => "backup";

    protected override int Stones => Hosts.Count;

    private protected override async Task BuildAsync(Lab lab, CancellationToken ct)
    {
        await Task.WhenAll(Hosts.Select(async host =>
        {
            (await lab.RunAsync(host, ["sh", "-c", $"umask 077 && echo 'unlock passphrase of {host}' > {PassphraseFile} && echo 'the backup passphrase 2026' > {BackupPassphraseFile}"], ct)).EnsureSuccess();
            await KoiDaemon.StartAsync(lab, host, ct);
        }));
    }
}
