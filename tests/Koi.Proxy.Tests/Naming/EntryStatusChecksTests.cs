using Koi.Core.Naming;
using Koi.Proxy.Tests.Support;

namespace Koi.Proxy.Tests.Naming;

/// <summary>What <c>koi proxy status</c> tells a user per entry: the URL to type and whether it works, check by check.</summary>
public sealed class EntryStatusChecksTests
{
    [Theory]
    [InlineData(443, "https://grafana.lan/")]
    [InlineData(8443, "https://grafana.lan:8443/")]
    public void UrlFor_Port_NoPortOnlyOn443(int port, string expected) => Assert.Equal(expected, Koi.Proxy.Api.ProxyEntryViews.UrlFor("grafana.lan", port));

    [Fact]
    public async Task Status_NameResolvesCertificateNamesItBackendUp_Green()
    {
        await using var proxy = new ProxyHarness();
        await using var backend = TcpBackend.Echo();
        proxy.Service.Start();
        var port = KoiProcess.FreeTcpPort();
        var directory = proxy.Dir.Combine("own-certs", "grafana");
        var (cert, key) = proxy.Pki.Issue("0c01", "grafana.lan");
        proxy.Pki.WriteSet(directory, cert, key);

        await proxy.AddAsync("grafana", port, backend.Url, certPath: directory);

        await Eventually.TrueAsync(() => proxy.StatusOf("grafana").Green, "every check to pass");
        var status = proxy.StatusOf("grafana");
        Assert.Equal($"https://grafana.lan:{port}/", status.Url);
        Assert.Equal(["name_resolves", "certificate_names_it", "certificate_valid", "backend_up"], status.Checks.Select(c => c.Name));
        Assert.Contains("grafana.lan resolves to 127.0.0.1", status.Checks[0].Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_NameElsewhereAndCertificateWithoutIt_NotGreenSayingWhich()
    {
        var options = new ProxyOptions
        {
            BindRetry = TimeSpan.FromMilliseconds(200),
            BackendCheckInterval = TimeSpan.FromHours(1),
            ResolveName = (_, _) => Task.FromResult(new[] { IPAddress.Parse("192.0.2.7") }),
        };
        await using var proxy = new ProxyHarness(options);
        await using var backend = TcpBackend.Echo();
        proxy.Service.Start();

        await proxy.AddAsync("grafana", KoiProcess.FreeTcpPort(), backend.Url);

        await Eventually.TrueAsync(() => !proxy.StatusOf("grafana").Checks[0].Detail.Contains("not checked", StringComparison.Ordinal), "the name to be checked");
        var status = proxy.StatusOf("grafana");
        Assert.False(status.Green);
        Assert.False(status.Checks[0].Ok);
        Assert.Contains("192.0.2.7, not to this machine", status.Checks[0].Detail, StringComparison.Ordinal);
        Assert.False(status.Checks[1].Ok);
        Assert.Contains("does not name grafana.lan", status.Checks[1].Detail, StringComparison.Ordinal);
        Assert.True(status.Checks[2].Ok);
    }

    [Fact]
    public async Task Status_NameRefusedByTheCa_ShownWithTheReason()
    {
        await using var proxy = new ProxyHarness();
        proxy.Service.Start();
        await proxy.AddAsync("grafana", KoiProcess.FreeTcpPort(), "http://127.0.0.1:3000");

        proxy.Board.Decide([new NameDecision("grafana.lan", false, "held by stone-07"), new NameDecision("grafana-stone-test.lan", true)]);

        var refused = Assert.Single(proxy.StatusOf("grafana").RefusedNames);
        Assert.Equal(("grafana.lan", "held by stone-07"), (refused.Name, refused.Reason));
    }

    [Fact]
    public async Task Status_NoAlias_UrlUsesTheMachinesNameAndNothingAnnounced()
    {
        await using var proxy = new ProxyHarness();
        proxy.Service.Start();
        var port = KoiProcess.FreeTcpPort();

        await proxy.AddAsync("grafana", port, "http://127.0.0.1:3000", noAlias: true);

        var status = proxy.StatusOf("grafana");
        Assert.Equal($"https://stone-test.lan:{port}/", status.Url);
        Assert.Null(status.Announced);
    }
}
