using Koi.Scenarios.Harness;

namespace Koi.Scenarios.Fixtures;

/// <summary>One koi host (stone-a) that will hold the CA; each lab host has its own trust stores and HOME.</summary>
public sealed class CertmeshFixture : LabFixture
{
    public const string Host = "stone-a";
    public const string PassphraseFile = "/root/koi-ca-passphrase";
    public const string Passphrase = "lab ceremony passphrase 2026";

    protected override string Scenario => "certmesh";

    protected override int Stones => 1;

    private protected override async Task BuildAsync(Lab lab, CancellationToken ct)
    {
        // Chromium's NSS database must exist for koi to add the CA to it, as on a desktop where Chromium ran once.
        (await lab.RunAsync(Host, ["sh", "-c", $"mkdir -p /root/.pki/nssdb && certutil -N -d sql:/root/.pki/nssdb --empty-password && umask 077 && echo '{Passphrase}' > {PassphraseFile}"], ct)).EnsureSuccess();
        await KoiDaemon.StartAsync(lab, Host, ct);
    }
}
