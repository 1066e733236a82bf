using Koi.Cli;
using Koi.Daemon;

namespace Koi.Tests.Cli;

public sealed class DaemonClientTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public DaemonClientTests()
    {
        new Breadcrumb("http://127.0.0.1:5999", "local-secret-token", 42, DateTimeOffset.UnixEpoch).Write(_dir.Path);
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Create_NoEndpointGiven_UsesBreadcrumbEndpointAndToken()
    {
        using var client = DaemonClient.Create(null, null, _dir.Path, _ => null);

        Assert.Equal(new Uri("http://127.0.0.1:5999"), client.Endpoint);
        Assert.True(client.HasToken);
    }

    [Theory]
    [InlineData("http://10.0.0.7:5641")]
    [InlineData("http://koi-host.lan:5641")]
    public void Create_NonLocalEndpoint_NeverSendsLocalToken(string endpoint)
    {
        using var client = DaemonClient.Create(endpoint, null, _dir.Path, _ => null);

        Assert.False(client.HasToken);
    }

    [Fact]
    public void Create_NonLocalEndpointFromEnvironmentWithToken_SendsGivenToken()
    {
        var env = new Dictionary<string, string?> { ["KOI_ENDPOINT"] = "http://10.0.0.7:5641", ["KOI_TOKEN"] = "remote" };

        using var client = DaemonClient.Create(null, null, _dir.Path, name => env.GetValueOrDefault(name));

        Assert.Equal(new Uri("http://10.0.0.7:5641"), client.Endpoint);
        Assert.True(client.HasToken);
    }

    [Theory]
    [InlineData("ftp://127.0.0.1")]
    [InlineData("not a url")]
    public void Create_BadEndpoint_IsUsageError(string endpoint)
    {
        Assert.Throws<UsageException>(() => DaemonClient.Create(endpoint, null, _dir.Path, _ => null));
    }
}
