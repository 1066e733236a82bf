using Koi.Certmesh.Membership;
using Koi.Core.Errors;

namespace Koi.Certmesh.Tests.Membership;

public sealed class CaClientTests
{
    [Theory]
    [InlineData("10.0.0.5", "http://10.0.0.5:5641")]
    [InlineData("stone-01.local", "http://stone-01.local:5641")]
    [InlineData("http://10.0.0.5:6000/v1/ignored?x=1", "http://10.0.0.5:6000")]
    [InlineData("10.0.0.5:7000", "http://10.0.0.5:7000")]
    [InlineData("http://[fd00::5]", "http://[fd00::5]:5641")]
    public void NormalizeEndpoint_WhatUsersType_BaseAddressWithPort(string typed, string expected) =>
        Assert.Equal(expected, CaClient.NormalizeEndpoint(typed));

    [Theory]
    [InlineData("ftp://10.0.0.5")]
    [InlineData("http://")]
    [InlineData("")]
    public void NormalizeEndpoint_NotAnHttpEndpoint_InvalidRequest(string typed)
    {
        var error = Assert.Throws<KoiException>(() => CaClient.NormalizeEndpoint(typed));
        Assert.Equal(KoiErrorCode.InvalidRequest, error.Code);
    }
}
