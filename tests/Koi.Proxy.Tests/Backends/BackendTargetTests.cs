using Koi.Core.Errors;
using Koi.Proxy.Backends;

namespace Koi.Proxy.Tests.Backends;

public sealed class BackendTargetTests
{
    [Theory]
    [InlineData("http://localhost:3000", "localhost", 3000, "http://localhost:3000")]
    [InlineData("http://LocalHost:3000/", "localhost", 3000, "http://localhost:3000")]
    [InlineData("http://127.0.0.1", "127.0.0.1", 80, "http://127.0.0.1:80")]
    [InlineData("http://[::1]:8080", "::1", 8080, "http://[::1]:8080")]
    [InlineData("  http://10.0.0.5:9000  ", "10.0.0.5", 9000, "http://10.0.0.5:9000")]
    public void Parse_HttpHostPort_Canonical(string url, string host, int port, string canonical)
    {
        var target = BackendTarget.Parse(url);

        Assert.Equal(host, target.Host);
        Assert.Equal(port, target.Port);
        Assert.Equal(canonical, target.Url);
    }

    [Theory]
    [InlineData(null, "needs a backend")]
    [InlineData("", "needs a backend")]
    [InlineData("localhost:3000", "http://")]
    [InlineData("not a url", "not a URL")]
    [InlineData("https://localhost:3000", "plain http://")]
    [InlineData("ftp://localhost:21", "must be an http:// URL")]
    [InlineData("http://user:secret@localhost:3000", "user:password")]
    [InlineData("http://localhost:3000/grafana", "never rewrites paths")]
    [InlineData("http://localhost:3000/?a=b", "path or query")]
    public void Parse_Refused_WithTheRule(string? url, string says)
    {
        var error = Assert.Throws<KoiException>(() => BackendTarget.Parse(url));

        Assert.Equal(KoiErrorCode.InvalidRequest, error.Code);
        Assert.Contains(says, error.Message, StringComparison.Ordinal);
    }
}
