using Koi.Scenarios.Harness;

namespace Koi.Scenarios.Fixtures;

/// <summary>
/// The headline story (docs/certmesh.md "Service names"): stone-a holds the CA, stone-b serves web sites behind koi's
/// proxy on port 443, stone-c is the client whose resolver is its own koi DNS server. stone-b's interface is readdressed
/// by one scenario, so the lab is this class's own.
/// </summary>
public sealed class NamesFixture : LabFixture
{
    public const string Ca = "stone-a";
    public const string Server = "stone-b";
    public const string Client = "stone-c";
    public const string PassphraseFile = "/root/koi-ca-passphrase";

    public static readonly IReadOnlyList<string> Hosts = [Ca, Server, Client];

    protected override string Scenario => "names";

    protected override int Stones => Hosts.Count;

    private protected override async Task BuildAsync(Lab lab, CancellationToken ct)
    {
        (await lab.RunAsync(Ca, ["sh", "-c", $"umask 077 && echo 'names lab ceremony passphrase' > {PassphraseFile}"], ct)).EnsureSuccess();
        await Task.WhenAll(Hosts.Select(host => KoiDaemon.StartAsync(lab, host, ct)));
        (await KoiDaemon.CliAsync(lab, Client, ct, "dns", "serve", "--port", "53")).EnsureSuccess();
    }
}
