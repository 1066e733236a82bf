using System.Text.Json.Serialization;
using Koi.Core.Storage;
using Koi.Testing;

namespace Koi.Core.Tests.Storage;

public sealed class JsonStateFileTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Load_NoFile_ReturnsNull()
    {
        var file = new JsonStateFile<Sample>(_dir.Combine("state", "sample.json"), SampleJsonContext.Default.Sample);

        Assert.Null(file.Load());
    }

    [Fact]
    public void Save_ThenLoad_RoundTripsInSnakeCase()
    {
        var file = new JsonStateFile<Sample>(_dir.Combine("sample.json"), SampleJsonContext.Default.Sample);

        file.Save(new Sample("grafana", 8443));

        Assert.Contains("\"listen_port\": 8443", File.ReadAllText(file.Path));
        Assert.Equal(new Sample("grafana", 8443), file.Load());
    }

    public sealed record Sample(string Name, int ListenPort);
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(JsonStateFileTests.Sample))]
internal sealed partial class SampleJsonContext : JsonSerializerContext;
