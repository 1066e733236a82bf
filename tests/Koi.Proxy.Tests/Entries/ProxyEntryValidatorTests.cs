using System.Text.Json;
using Koi.Core.Errors;
using Koi.Proxy.Entries;

namespace Koi.Proxy.Tests.Entries;

public sealed class ProxyEntryValidatorTests
{
    private static readonly DateTimeOffset s_now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("8443", null, 8443)]
    [InlineData("443", null, 443)]
    [InlineData(":8443", null, 8443)]
    [InlineData("127.0.0.1:9443", "127.0.0.1", 9443)]
    [InlineData("0.0.0.0:9443", null, 9443)]
    [InlineData("[::1]:9443", "::1", 9443)]
    [InlineData("[::]:9443", null, 9443)]
    public void Listen_StringForms(string listen, string? address, int port)
    {
        var entry = Validate(new ProxyEntryRequest("grafana", JsonSerializer.SerializeToElement(listen), "http://localhost:3000"));

        Assert.Equal(address, entry.ListenAddress);
        Assert.Equal(port, entry.ListenPort);
    }

    [Theory]
    [InlineData(null, "any")]
    [InlineData("any", "any")]
    [InlineData("mesh", "mesh")]
    [InlineData("MESH", "mesh")]
    public void Clients_AnyOrMesh_Kept(string? clients, string expected)
    {
        var entry = Validate(new ProxyEntryRequest("grafana", JsonSerializer.SerializeToElement(8443), "http://localhost:3000", Clients: clients));

        Assert.Equal(expected, entry.Clients);
    }

    [Fact]
    public void Clients_Unknown_400NamingTheChoices()
    {
        var ex = Assert.Throws<KoiException>(() => Validate(new ProxyEntryRequest("grafana", JsonSerializer.SerializeToElement(8443), "http://localhost:3000", Clients: "friends")));

        Assert.Equal(KoiErrorCode.InvalidRequest, ex.Code);
        Assert.Contains("'any' or 'mesh'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Listen_Number()
    {
        var entry = Validate(new ProxyEntryRequest("grafana", JsonSerializer.SerializeToElement(8443), "http://localhost:3000"));

        Assert.Equal(8443, entry.ListenPort);
        Assert.Null(entry.ListenAddress);
        Assert.Equal(":8443", entry.ListenText);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("65536")]
    [InlineData("-1")]
    [InlineData("+443")]
    [InlineData("port")]
    [InlineData("")]
    [InlineData("grafana.lan:8443")]
    [InlineData("::1:8443")]
    [InlineData("1.2.3:8443")]
    public void Listen_Invalid(string listen)
    {
        var error = Assert.Throws<KoiException>(() => Validate(new ProxyEntryRequest("grafana", JsonSerializer.SerializeToElement(listen), "http://localhost:3000")));

        Assert.Equal(KoiErrorCode.InvalidRequest, error.Code);
        Assert.Contains("listen", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Listen_Missing() =>
        Assert.Contains("needs listen", Assert.Throws<KoiException>(() => Validate(new ProxyEntryRequest("grafana", null, "http://localhost:3000"))).Message, StringComparison.Ordinal);

    [Theory]
    [InlineData("grafana")]
    [InlineData("9lives")]
    public void Name_Accepted(string name) => Assert.Equal(name, Validate(Request(name)).Name);

    [Theory]
    [InlineData("pg-admin_2.lab")]
    [InlineData("a-very-long-service")]
    public void Name_NotAServiceName_RefusedUnlessNoAlias(string name)
    {
        Assert.Contains("no_alias", Assert.Throws<KoiException>(() => Validate(Request(name))).Message, StringComparison.Ordinal);
        Assert.True(Validate(Request(name) with { NoAlias = true }).NoAlias);
    }

    [Theory]
    [InlineData("")]
    [InlineData("-grafana")]
    [InlineData("gra fana")]
    [InlineData("grafana/x")]
    [InlineData("a234567890123456789012345678901234567890123456789012345678901234")]
    public void Name_Refused(string name) => Assert.Equal(KoiErrorCode.InvalidRequest, Assert.Throws<KoiException>(() => Validate(Request(name))).Code);

    [Fact]
    public void CertPath_MustBeAbsolute()
    {
        Assert.Contains("absolute", Assert.Throws<KoiException>(() => Validate(Request("g") with { CertPath = "certs/mine" })).Message, StringComparison.Ordinal);
        Assert.Equal("/etc/koi/certs", Validate(Request("g") with { CertPath = "/etc/koi/certs/" }).CertPath);
    }

    [Fact]
    public void Backend_CanonicalisedAndRemoteKept()
    {
        var entry = Validate(new ProxyEntryRequest("nas", JsonSerializer.SerializeToElement(8443), "http://NAS.lan:5000/", BackendRemote: true));

        Assert.Equal("http://nas.lan:5000", entry.Backend);
        Assert.True(entry.BackendRemote);
    }

    [Fact]
    public void Overlaps_SamePortOnAllOrSameAddress()
    {
        var all = Validate(Request("a"));
        var loopback = Validate(Request("b") with { Listen = JsonSerializer.SerializeToElement("127.0.0.1:8443") });
        var other = Validate(Request("c") with { Listen = JsonSerializer.SerializeToElement("127.0.0.2:8443") });
        var otherPort = Validate(Request("d") with { Listen = JsonSerializer.SerializeToElement(9443) });

        Assert.True(all.Overlaps(loopback));
        Assert.True(loopback.Overlaps(all));
        Assert.False(loopback.Overlaps(other));
        Assert.False(all.Overlaps(otherPort));
    }

    private static ProxyEntryRequest Request(string name) => new(name, JsonSerializer.SerializeToElement(8443), "http://localhost:3000");

    private static ProxyEntry Validate(ProxyEntryRequest request) => ProxyEntryValidator.Validate(request, s_now);
}
