using Koi.Proxy.Routing;

namespace Koi.Proxy.Tests.Routing;

public sealed class ServedNamesTests
{
    [Fact]
    public void For_EntryOnHost_ServiceAliasInstanceAliasAndLocal()
    {
        Assert.Equal(["grafana.lan", "grafana-stone-05.lan", "grafana.local"], ServedNames.For("Grafana", "stone-05", "lan"));
    }

    [Theory]
    [InlineData("grafana", true)]
    [InlineData("wiki-2", true)]
    [InlineData("-wiki", false)]
    [InlineData("wiki-", false)]
    [InlineData("my_app", false)]
    [InlineData("a.b", false)]
    [InlineData("", false)]
    public void IsDnsLabel_Name_AsRfc1123(string name, bool expected)
    {
        Assert.Equal(expected, ServedNames.IsDnsLabel(name));
    }
}
