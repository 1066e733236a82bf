using Koi.Scenarios.Harness;

namespace Koi.Scenarios.Fixtures;

/// <summary>
/// stone-b serves (the CA, a python http.server on its loopback, koi's proxy in front of it); stone-a is the client
/// that joins stone-b's mesh and then trusts it through its own system store and Chromium's NSS database.
/// </summary>
public sealed class ProxyFixture : LabFixture
{
    public const string Client = "stone-a";
    public const string Server = "stone-b";
    public const string PassphraseFile = "/root/koi-ca-passphrase";
    public const string Passphrase = "proxy lab ceremony passphrase";

    protected override string Scenario => "proxy";

    protected override int Stones => 2;

    private protected override async Task BuildAsync(Lab lab, CancellationToken ct)
    {
        (await lab.RunAsync(Server, ["sh", "-c", $"umask 077 && echo '{Passphrase}' > {PassphraseFile}"], ct)).EnsureSuccess();
        // Chromium's NSS database exists on the client, as on a desktop where Chromium ran once, so join adds the CA to it.
        (await lab.RunAsync(Client, ["sh", "-c", "mkdir -p /root/.pki/nssdb && certutil -N -d sql:/root/.pki/nssdb --empty-password"], ct)).EnsureSuccess();
        await Task.WhenAll(KoiDaemon.StartAsync(lab, Client, ct), KoiDaemon.StartAsync(lab, Server, ct));
    }
}
