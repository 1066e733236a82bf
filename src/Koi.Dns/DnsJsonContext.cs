using System.Text.Json.Serialization;
using Koi.Dns.Api;
using Koi.Dns.Settings;
using Koi.Dns.Zone;

namespace Koi.Dns;

/// <summary>Every JSON shape of the DNS capability: its API (shared with the CLI) and <c>state/dns.json</c>.</summary>
[JsonSourceGenerationOptions(
    GenerationMode = JsonSourceGenerationMode.Metadata,
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(DnsState))]
[JsonSerializable(typeof(ServeRequest))]
[JsonSerializable(typeof(EntryRequest))]
[JsonSerializable(typeof(EntryAdded))]
[JsonSerializable(typeof(EntryRemoved))]
[JsonSerializable(typeof(DnsStatusView))]
[JsonSerializable(typeof(LookupView))]
[JsonSerializable(typeof(ZoneExportView))]
[JsonSerializable(typeof(IReadOnlyList<ZoneEntry>))]
[JsonSerializable(typeof(List<ZoneEntry>))]
internal sealed partial class DnsJsonContext : JsonSerializerContext;
