using System.Net;
using System.Net.Sockets;
using Koi.Core.Net;

namespace Koi.Core.Tests.Net;

public sealed class IpRangesTests
{
    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.255.0.9")]
    [InlineData("::1")]
    [InlineData("::ffff:127.0.0.1")]
    public void IsLoopback_LoopbackInAnyForm_True(string text)
    {
        var address = IPAddress.Parse(text);

        Assert.True(IpRanges.IsLoopback(address));
        Assert.False(IpRanges.IsPrivate(address));
        Assert.False(IpRanges.IsLinkLocal(address));
        Assert.True(IpRanges.IsLocalScope(address));
    }

    [Theory]
    [InlineData("169.254.10.1")]
    [InlineData("::ffff:169.254.10.1")]
    [InlineData("fe80::1")]
    [InlineData("febf::1")]
    public void IsLinkLocal_LinkLocalInAnyForm_TrueAndNeitherPrivateNorLoopback(string text)
    {
        var address = IPAddress.Parse(text);

        Assert.True(IpRanges.IsLinkLocal(address));
        Assert.False(IpRanges.IsPrivate(address));
        Assert.False(IpRanges.IsLoopback(address));
        Assert.True(IpRanges.IsLocalScope(address));
    }

    [Theory]
    [InlineData("10.0.0.1")]
    [InlineData("172.16.0.1")]
    [InlineData("172.31.255.255")]
    [InlineData("192.168.1.1")]
    [InlineData("100.64.0.1")]
    [InlineData("100.127.255.255")]
    [InlineData("fd00::1")]
    [InlineData("fc00::1")]
    [InlineData("::ffff:192.168.1.1")]
    public void IsPrivate_SiteRanges_True(string text)
    {
        var address = IPAddress.Parse(text);

        Assert.True(IpRanges.IsPrivate(address));
        Assert.True(IpRanges.IsLocalScope(address));
    }

    [Theory]
    [InlineData("8.8.8.8")]
    [InlineData("172.32.0.1")]
    [InlineData("172.15.255.255")]
    [InlineData("100.128.0.1")]
    [InlineData("192.169.0.1")]
    [InlineData("2001:db8::1")]
    [InlineData("fec0::1")]
    [InlineData("::ffff:8.8.8.8")]
    [InlineData("::127.0.0.1")]
    public void IsLocalScope_PublicAddresses_False(string text)
    {
        var address = IPAddress.Parse(text);

        Assert.False(IpRanges.IsLocalScope(address));
        Assert.False(IpRanges.IsPrivate(address));
    }

    [Fact]
    public void ToMapped_IPv4_EqualsItsMappedIPv6Form()
    {
        Assert.Equal(IpRanges.ToMapped(IPAddress.Parse("::ffff:10.1.2.3")), IpRanges.ToMapped(IPAddress.Parse("10.1.2.3")));
        Assert.True(IpRanges.TryIPv4(IpRanges.ToMapped(IPAddress.Parse("10.1.2.3")), out var v4));
        Assert.Equal(0x0A010203u, v4);
    }

    [Fact]
    public void Normalize_Mapped_ReturnsIPv4()
    {
        Assert.Equal(IPAddress.Parse("10.1.2.3"), IpRanges.Normalize(IPAddress.Parse("::ffff:10.1.2.3")));
        Assert.Equal(IPAddress.IPv6Loopback, IpRanges.Normalize(IPAddress.IPv6Loopback));
    }

    [Theory]
    [InlineData(SocketError.ConnectionReset, true)]
    [InlineData(SocketError.MessageSize, true)]
    [InlineData(SocketError.WouldBlock, true)]
    [InlineData(SocketError.OperationAborted, false)]
    [InlineData(SocketError.NotSocket, false)]
    [InlineData(SocketError.AccessDenied, false)]
    public void IsTransient_Error_ClassifiedOnce(SocketError error, bool transient) =>
        Assert.Equal(transient, SocketErrors.IsTransient(error));

    [Theory]
    [InlineData(SocketError.ConnectionAborted, true)]
    [InlineData(SocketError.ConnectionReset, true)]
    [InlineData(SocketError.TooManyOpenSockets, false)]
    [InlineData(SocketError.OperationAborted, false)]
    public void IsTransientAccept_Error_ClassifiedOnce(SocketError error, bool transient) =>
        Assert.Equal(transient, SocketErrors.IsTransientAccept(error));

    [Fact]
    public void SourceBucket_IPv6_SameSlash64SharesOneBucket_IPv4PerAddress()
    {
        Assert.Equal(IpRanges.SourceBucket(IPAddress.Parse("2001:db8:1:2::1")), IpRanges.SourceBucket(IPAddress.Parse("2001:db8:1:2:ffff:1:2:3")));
        Assert.NotEqual(IpRanges.SourceBucket(IPAddress.Parse("2001:db8:1:2::1")), IpRanges.SourceBucket(IPAddress.Parse("2001:db8:1:3::1")));
        Assert.NotEqual(IpRanges.SourceBucket(IPAddress.Parse("10.0.0.1")), IpRanges.SourceBucket(IPAddress.Parse("10.0.0.2")));
        Assert.Equal(IpRanges.SourceBucket(IPAddress.Parse("10.0.0.1")), IpRanges.SourceBucket(IPAddress.Parse("::ffff:10.0.0.1")));
    }
}
