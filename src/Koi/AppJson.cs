using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Koi.Certmesh;
using Koi.Core;
using Koi.Core.Storage;
using Koi.Dns;
using Koi.Health;
using Koi.Mdns;
using Koi.Proxy;

namespace Koi;

/// <summary>
/// Every source-generated JSON context of the build, for what handles many shapes: the daemon's HTTP API, the SSE
/// stream, and the CLI reading the same view types back. A new project's context is added here.
/// </summary>
internal static class AppJson
{
    public static IReadOnlyList<IJsonTypeInfoResolver> Contexts { get; } =
    [
        KoiJsonContext.Default,
        CoreJsonContext.Default,
        MdnsJsonContext.Default,
        CertmeshJsonContext.Default,
        DnsJsonContext.Default,
        HealthJsonContext.Default,
        ProxyJsonContext.Default,
    ];

    public static JsonSerializerOptions Options { get; } = KoiJson.Create(Contexts);

    /// <summary>For people: <c>--json</c> output of the CLI.</summary>
    public static JsonSerializerOptions Indented { get; } = KoiJson.Create(Contexts, indented: true);
}
