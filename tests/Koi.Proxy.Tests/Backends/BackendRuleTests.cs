using Koi.Core.Errors;
using Koi.Core.Net;
using Koi.Proxy.Backends;

namespace Koi.Proxy.Tests.Backends;

public sealed class BackendRuleTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("127.10.20.30", true)]
    [InlineData("::1", true)]
    [InlineData("::ffff:127.0.0.1", true)]
    [InlineData("10.77.0.12", false)]
    [InlineData("192.168.1.20", false)]
    [InlineData("0.0.0.0", false)]
    [InlineData("::", false)]
    [InlineData("fd77::12", false)]
    public void IsLoopback_Address_LoopbackOnlyForLoopbackRanges(string address, bool loopback) => Assert.Equal(loopback, IpRanges.IsLoopback(IPAddress.Parse(address)));

    [Fact]
    public async Task Check_LoopbackLiteral_Accepted()
    {
        var addresses = await BackendRule.CheckAsync(BackendTarget.Parse("http://127.0.0.1:3000"), remote: false, NoResolver, Ct);

        Assert.Equal([IPAddress.Loopback], addresses);
    }

    [Fact]
    public async Task Check_Localhost_ThroughTheSystemResolver_Accepted()
    {
        var addresses = await BackendRule.CheckAsync(BackendTarget.Parse("http://localhost:3000"), remote: false, BackendRule.SystemResolve, Ct);

        Assert.NotEmpty(addresses);
        Assert.All(addresses, a => Assert.True(IpRanges.IsLoopback(a)));
    }

    [Fact]
    public async Task Check_NameResolvingToLoopback_Accepted()
    {
        var addresses = await BackendRule.CheckAsync(BackendTarget.Parse("http://grafana.internal:3000"), remote: false, Resolver("127.0.0.53", "::1"), Ct);

        Assert.Equal(2, addresses.Length);
    }

    [Fact]
    public async Task Check_LanAddressWithoutRemote_RefusedNamingTheFlag()
    {
        var error = await Assert.ThrowsAsync<KoiException>(() => BackendRule.CheckAsync(BackendTarget.Parse("http://10.77.0.12:3000"), remote: false, NoResolver, Ct));

        Assert.Equal(KoiErrorCode.InvalidRequest, error.Code);
        Assert.Contains("10.77.0.12", error.Message, StringComparison.Ordinal);
        Assert.Contains("--backend-remote", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_NameResolvingToLanAddress_Refused()
    {
        var error = await Assert.ThrowsAsync<KoiException>(() => BackendRule.CheckAsync(BackendTarget.Parse("http://nas.lan:5000"), remote: false, Resolver("192.168.1.20"), Ct));

        Assert.Contains("nas.lan resolves to 192.168.1.20", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_NameResolvingToLoopbackAndLan_Refused()
    {
        // Which address a connection would use is not predictable: all must be loopback.
        var error = await Assert.ThrowsAsync<KoiException>(() => BackendRule.CheckAsync(BackendTarget.Parse("http://both:5000"), remote: false, Resolver("127.0.0.1", "10.0.0.9"), Ct));

        Assert.Contains("10.0.0.9", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_LanAddressWithRemote_Accepted()
    {
        var addresses = await BackendRule.CheckAsync(BackendTarget.Parse("http://10.77.0.12:3000"), remote: true, NoResolver, Ct);

        Assert.Equal([IPAddress.Parse("10.77.0.12")], addresses);
    }

    [Fact]
    public async Task Check_Unresolvable_Refused()
    {
        var error = await Assert.ThrowsAsync<KoiException>(() => BackendRule.CheckAsync(
            BackendTarget.Parse("http://nowhere.invalid:3000"), remote: true, (_, _) => throw new SocketException((int)SocketError.HostNotFound), Ct));

        Assert.Contains("does not resolve", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Permitted_KeepsOnlyLoopbackUnlessRemote()
    {
        IPAddress[] mixed = [IPAddress.Parse("10.0.0.9"), IPAddress.Loopback, IPAddress.IPv6Loopback];

        Assert.Equal([IPAddress.Loopback, IPAddress.IPv6Loopback], BackendRule.Permitted(mixed, remote: false));
        Assert.Equal(mixed, BackendRule.Permitted(mixed, remote: true));
        Assert.Empty(BackendRule.Permitted([IPAddress.Parse("10.0.0.9")], remote: false));
    }

    [Fact]
    public async Task Connector_NameThatLaterResolvesToLan_RefusedAtConnect()
    {
        // The rule is applied on every resolution, not only when the entry was added.
        var connector = new BackendConnector(BackendTarget.Parse("http://app:3000"), remote: false, Resolver("10.0.0.9"), new ProxyOptions(), TimeProvider.System);

        var error = await Assert.ThrowsAsync<BackendUnavailableException>(async () => await connector.ConnectAsync(Ct));

        Assert.Contains("not a loopback address", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connector_NothingListening_RefusedPromptly()
    {
        var port = KoiProcess.FreeTcpPort();
        var connector = new BackendConnector(BackendTarget.Parse($"http://127.0.0.1:{port}"), remote: false, NoResolver, new ProxyOptions(), TimeProvider.System);
        var started = DateTime.UtcNow;

        var error = await Assert.ThrowsAsync<BackendUnavailableException>(async () => await connector.ConnectAsync(Ct));

        Assert.Contains("connection refused", error.Message, StringComparison.Ordinal);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(1));
    }

    private static Task<IPAddress[]> NoResolver(string host, CancellationToken ct) =>
        throw new InvalidOperationException($"an IP literal must not be resolved ({host})");

    private static Func<string, CancellationToken, Task<IPAddress[]>> Resolver(params string[] addresses) =>
        (_, _) => Task.FromResult(addresses.Select(IPAddress.Parse).ToArray());
}
