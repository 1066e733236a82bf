using Koi.Core.Errors;

namespace Koi.Mdns.Tests.Naming;

public class ValidationTests
{
    [Theory]
    [InlineData("http._tcp", "underscore")]
    [InlineData("_http._sctp", "._tcp or ._udp")]
    [InlineData("_http", "_name._tcp")]
    [InlineData("_averyveryverylongname._tcp", "1 to 15")]
    [InlineData("_ht_tp._tcp", "letters, digits and hyphens")]
    [InlineData("_-http._tcp", "hyphen")]
    [InlineData("_123._tcp", "at least one letter")]
    public async Task Register_InvalidType_InvalidRequestNamingTheRule(string type, string rule)
    {
        var ex = await RegisterAsync(Registrations.Http() with { Type = type });

        Assert.Equal(KoiErrorCode.InvalidRequest, ex.Code);
        Assert.Contains(rule, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(70000)]
    public async Task Register_InvalidPort_InvalidRequest(int port)
    {
        var ex = await RegisterAsync(Registrations.Http(port: port));

        Assert.Equal(KoiErrorCode.InvalidRequest, ex.Code);
        Assert.Contains("port must be 1 to 65535", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Register_NameOver63Bytes_InvalidRequest()
    {
        var ex = await RegisterAsync(Registrations.Http(new string('é', 32)));

        Assert.Contains("at most 63 bytes", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Register_TxtEntryOver255Bytes_InvalidRequest()
    {
        var ex = await RegisterAsync(Registrations.Http(txt: new() { ["k"] = new string('x', 254) }));

        Assert.Contains("at most 255 bytes", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Register_TxtKeyWithEquals_InvalidRequest()
    {
        var ex = await RegisterAsync(Registrations.Http(txt: new() { ["a=b"] = "c" }));

        Assert.Contains("printable ASCII without '='", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Register_BadIp_InvalidRequest()
    {
        var ex = await RegisterAsync(Registrations.Http() with { Addresses = ["10.0.0.300"] });

        Assert.Contains("not an IPv4 or IPv6 address", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Encode_EmptyTxt_SingleZeroByteOnTheWire()
    {
        var txt = Mdns.Naming.TxtProperties.Encode(null);

        Assert.Equal([0], txt.ToUncompressedRdata());
    }

    [Theory]
    [InlineData("Printer", "Printer (2)")]
    [InlineData("Printer (2)", "Printer (3)")]
    [InlineData("Printer (9)", "Printer (10)")]
    [InlineData("Odd (1)", "Odd (1) (2)")]
    public void InstanceNext_Renames(string name, string next) => Assert.Equal(next, Mdns.Naming.InstanceName.Next(name));

    [Fact]
    public void InstanceNext_LongName_StaysWithin63Bytes()
    {
        var next = Mdns.Naming.InstanceName.Next(new string('a', 63));

        Assert.Equal(63, next.Length);
        Assert.EndsWith(" (2)", next, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("stone", "stone-2")]
    [InlineData("stone-2", "stone-3")]
    [InlineData("web-server", "web-server-2")]
    public void HostNext_Renames(string host, string next) => Assert.Equal(next, Mdns.Naming.HostLabel.Next(host));

    [Theory]
    [InlineData("docker0", true)]
    [InlineData("br-1a2b", true)]
    [InlineData("veth12", true)]
    [InlineData("eth0", false)]
    [InlineData("wlan0", false)]
    public void InterfaceSelector_ContainerBridges_ExcludedByDefault(string name, bool excluded) =>
        Assert.Equal(excluded, Mdns.Transport.InterfaceSelector.IsExcludedByDefault(name));

    private static async Task<KoiException> RegisterAsync(ServiceRegistration registration)
    {
        var time = new ManualTimeProvider();
        await using var node = await TestNode.StartAsync(new VirtualLan(time), time, "10.0.0.1", "alpha");
        return await Assert.ThrowsAsync<KoiException>(() => node.Engine.RegisterAsync(registration, TestContext.Current.CancellationToken));
    }
}
