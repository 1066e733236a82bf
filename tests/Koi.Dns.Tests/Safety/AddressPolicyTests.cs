using System.Net.Sockets;
using Koi.Core.Net;
using Koi.Dns.Safety;

namespace Koi.Dns.Tests.Safety;

public sealed class AddressPolicyTests
{
    [Theory]
    [InlineData("10.0.0.0")]
    [InlineData("10.255.255.255")]
    [InlineData("172.16.0.0")]
    [InlineData("172.31.255.255")]
    [InlineData("192.168.0.0")]
    [InlineData("192.168.255.255")]
    [InlineData("100.64.0.0")]
    [InlineData("100.127.255.255")]
    [InlineData("127.0.0.1")]
    [InlineData("127.255.255.255")]
    [InlineData("169.254.0.0")]
    [InlineData("169.254.255.255")]
    [InlineData("fc00::")]
    [InlineData("fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")]
    [InlineData("fe80::")]
    [InlineData("febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff")]
    [InlineData("::1")]
    [InlineData("::ffff:192.168.1.1")]
    public void IsPrivate_EveryPrivateRangeAndItsEdges_True(string address) =>
        Assert.True(IpRanges.IsLocalScope(IPAddress.Parse(address)));

    [Theory]
    [InlineData("9.255.255.255")]
    [InlineData("11.0.0.0")]
    [InlineData("172.15.255.255")]
    [InlineData("172.32.0.0")]
    [InlineData("192.167.255.255")]
    [InlineData("192.169.0.0")]
    [InlineData("100.63.255.255")]
    [InlineData("100.128.0.0")]
    [InlineData("126.255.255.255")]
    [InlineData("128.0.0.0")]
    [InlineData("169.253.255.255")]
    [InlineData("169.255.0.0")]
    [InlineData("8.8.8.8")]
    [InlineData("0.0.0.0")]
    [InlineData("255.255.255.255")]
    [InlineData("224.0.0.251")]
    [InlineData("fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")]
    [InlineData("fec0::")]
    [InlineData("2001:db8::1")]
    [InlineData("::")]
    [InlineData("::2")]
    [InlineData("ff02::fb")]
    [InlineData("::ffff:8.8.8.8")]
    public void IsPrivate_PublicOrSpecialAddress_False(string address) =>
        Assert.False(IpRanges.IsLocalScope(IPAddress.Parse(address)));

    [Theory]
    [InlineData("192.168.7.9")]
    [InlineData("fd77::12")]
    public void ClientAddress_FromSocketAddress_SameAsFromIPAddress(string text)
    {
        var address = IPAddress.Parse(text);
        var socketAddress = new IPEndPoint(address, 5353).Serialize();

        Assert.Equal(ClientAddress.From(address), ClientAddress.From(socketAddress));
        Assert.Equal(address, ClientAddress.From(socketAddress).ToIPAddress());
    }

    [Fact]
    public void ClientAddress_MappedIPv4FromDualStackSocket_IsIPv4()
    {
        var mapped = new IPEndPoint(IPAddress.Parse("::ffff:10.1.2.3"), 53).Serialize();

        var client = ClientAddress.From(mapped);

        Assert.True(client.IsIPv4);
        Assert.Equal(AddressFamily.InterNetwork, client.ToIPAddress().AddressFamily);
        Assert.True(IpRanges.IsLocalScope(client.Value));
    }
}
