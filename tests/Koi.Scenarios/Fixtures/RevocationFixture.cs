using Koi.Scenarios.Harness;

namespace Koi.Scenarios.Fixtures;

/// <summary>
/// Three koi machines for revocation: stone-a holds the CA, stone-b is the member that gets revoked, stone-c is the
/// member that serves a members-only proxy entry and an nginx that reads the CRL.
/// </summary>
public sealed class RevocationFixture : LabFixture
{
    public const string Ca = "stone-a";
    public const string Revoked = "stone-b";
    public const string Server = "stone-c";
    public const string PassphraseFile = "/root/koi-ca-passphrase";

    public static readonly IReadOnlyList<string> Hosts = [Ca, Revoked, Server];

    protected override string Scenario => "revoke";

    protected override int Stones => Hosts.Count;

    private protected override async Task BuildAsync(Lab lab, CancellationToken ct)
    {
        await Task.WhenAll(Hosts.Select(async host =>
        {
            (await lab.RunAsync(host, ["sh", "-c", $"umask 077 && echo 'revocation lab passphrase {host}' > {PassphraseFile}"], ct)).EnsureSuccess();
            await KoiDaemon.StartAsync(lab, host, ct);
        }));
    }
}
