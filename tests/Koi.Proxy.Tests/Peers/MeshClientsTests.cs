using Koi.Core.Trust;
using Koi.Proxy.Tests.Support;
using static Koi.Proxy.Tests.Support.PeerProcess;

namespace Koi.Proxy.Tests.Peers;

/// <summary>
/// <c>--clients mesh</c> with curl as the client presenting a certificate: an active member's passes, a revoked one,
/// a foreign one and none are refused during the TLS handshake, so the backend never sees them.
/// </summary>
public sealed class MeshClientsTests : IAsyncLifetime
{
    private const string ActiveSerial = "0a0a01";
    private const string RevokedSerial = "0b0b02";

    private readonly SwappableTrust _trust = new();
    private readonly TestPki _foreign = new("some other CA");
    private ProxyHarness _proxy = null!;
    private System.Diagnostics.Process _python = null!;
    private int _port;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        Assert.SkipUnless(Exists("curl") && Exists("python3"), "needs curl and python3 (scripts/install-test-deps.sh)");
        _proxy = new ProxyHarness(meshTrust: _trust);
        _trust.Current = new MeshClientTrust(_proxy.Pki.Ca, SerialSet.FromHex([RevokedSerial]), 2);
        var site = _proxy.Dir.Combine("site");
        Directory.CreateDirectory(site);
        await File.WriteAllTextAsync(Path.Combine(site, "index.html"), "members only", Ct);
        var backendPort = KoiProcess.FreeTcpPort();
        _python = Start("python3", "-m", "http.server", backendPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--directory", site);
        await Eventually.TrueAsync(() => Accepts(backendPort), "python http.server to listen");
        _proxy.Service.Start();
        _port = KoiProcess.FreeTcpPort();
        var added = await _proxy.AddAsync("grafana", _port, $"http://localhost:{backendPort}", clients: "mesh");
        Assert.Equal("mesh", added.Clients);
        await File.WriteAllTextAsync(_proxy.Dir.Combine("ca.pem"), _proxy.Pki.CaPem, Ct);
    }

    [Fact(Timeout = 60_000)]
    public async Task Mesh_ActiveMemberCertificate_CurlGetsTheBackendPage()
    {
        var (exit, page, errors) = await CurlAsync(_proxy.Pki.IssueMember(ActiveSerial));

        Assert.True(exit == 0, $"curl exited {exit}: {errors}");
        Assert.Equal("members only", page);
        Assert.Equal(0, _proxy.StatusOf("grafana").ClientsRefused);
    }

    [Fact(Timeout = 60_000)]
    public async Task Mesh_RevokedCertificate_RefusedAtTheHandshake_BackendNeverReached()
    {
        var (exit, page, errors) = await CurlAsync(_proxy.Pki.IssueMember(RevokedSerial));

        Assert.NotEqual(0, exit);
        Assert.Empty(page);
        // Under TLS 1.3 the client finishes its side of the handshake before the server judges its certificate, so
        // curl reports either the alert or an empty reply; the proxy's counter shows the refusal was in the handshake.
        Assert.Matches("(?i)alert|handshake|certificate|SSL|reset|empty reply", errors);
        var status = _proxy.StatusOf("grafana");
        Assert.Equal(1, status.ClientsRefused);
        Assert.Equal(0, status.BytesIn);
    }

    [Fact(Timeout = 60_000)]
    public async Task Mesh_CertificateOfAnotherCa_Refused()
    {
        var (exit, page, _) = await CurlAsync(_foreign.IssueMember(ActiveSerial));

        Assert.NotEqual(0, exit);
        Assert.Empty(page);
        Assert.Equal(1, _proxy.StatusOf("grafana").ClientsRefused);
    }

    [Fact(Timeout = 60_000)]
    public async Task Mesh_NoClientCertificate_Refused()
    {
        var (exit, page, _) = await CurlAsync(null);

        Assert.NotEqual(0, exit);
        Assert.Empty(page);
        Assert.Equal(1, _proxy.StatusOf("grafana").ClientsRefused);
    }

    [Fact(Timeout = 60_000)]
    public async Task Mesh_MemberRevokedWhileListening_NextHandshakeRefusedWithoutRestart()
    {
        var member = _proxy.Pki.IssueMember(ActiveSerial);
        Assert.Equal(0, (await CurlAsync(member)).Exit);

        _trust.Current = new MeshClientTrust(_proxy.Pki.Ca, SerialSet.FromHex([RevokedSerial, ActiveSerial]), 3);
        var (exit, page, _) = await CurlAsync(member);

        Assert.NotEqual(0, exit);
        Assert.Empty(page);
        Assert.Equal(1, _proxy.StatusOf("grafana").ClientsRefused);
    }

    public async ValueTask DisposeAsync()
    {
        if (_python is not null)
        {
            _python.Kill();
            await _python.WaitForExitAsync();
            _python.Dispose();
        }

        if (_proxy is not null)
        {
            await _proxy.DisposeAsync();
        }

        _foreign.Dispose();
    }

    private async Task<(int Exit, string Page, string Errors)> CurlAsync((string CertPem, string KeyPem)? client)
    {
        List<string> args = ["-sS", "--fail", "--max-time", "10", "--cacert", _proxy.Dir.Combine("ca.pem")];
        if (client is { } pair)
        {
            var name = Guid.NewGuid().ToString("N");
            var cert = _proxy.Dir.Combine($"{name}.pem");
            var key = _proxy.Dir.Combine($"{name}.key");
            await File.WriteAllTextAsync(cert, pair.CertPem, Ct);
            await File.WriteAllTextAsync(key, pair.KeyPem, Ct);
            args.AddRange(["--cert", cert, "--key", key]);
        }

        args.Add($"https://localhost:{_port}/");
        using var curl = Start("curl", [.. args]);
        var page = await curl.StandardOutput.ReadToEndAsync(Ct);
        var errors = await curl.StandardError.ReadToEndAsync(Ct);
        await curl.WaitForExitAsync(Ct);
        return (curl.ExitCode, page, errors);
    }

    /// <summary>The contract as certmesh fulfils it: the current trust, replaced whole when a newer bundle applies.</summary>
    private sealed class SwappableTrust : IMeshClientTrust
    {
        public MeshClientTrust Current { get; set; } = MeshClientTrust.None;
    }
}
