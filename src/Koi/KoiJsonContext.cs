using System.Text.Json.Serialization;
using Koi.Api;
using Koi.Cli.Commands;
using Koi.Cli.Output;
using Koi.Daemon;
using Koi.Dashboard;
using Koi.Demo;

namespace Koi;

/// <summary>The JSON shapes of the executable itself: the daemon's own routes, its breadcrumb, and CLI-only output.</summary>
[JsonSourceGenerationOptions(
    GenerationMode = JsonSourceGenerationMode.Metadata,
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(DaemonStatus))]
[JsonSerializable(typeof(LivenessView))]
[JsonSerializable(typeof(DaemonProofAnswer))]
[JsonSerializable(typeof(Breadcrumb))]
[JsonSerializable(typeof(DashboardEndpoints.LoginRequest))]
[JsonSerializable(typeof(DashboardEndpoints.DashboardSessionView))]
[JsonSerializable(typeof(DashboardEndpoints.DashboardLinkView))]
[JsonSerializable(typeof(VersionOutput))]
[JsonSerializable(typeof(CatalogOutput))]
[JsonSerializable(typeof(MdnsEventOutput))]
[JsonSerializable(typeof(AnnouncedOutput))]
[JsonSerializable(typeof(UnregisteredOutput))]
[JsonSerializable(typeof(BackupWritten))]
[JsonSerializable(typeof(ServicePlanView))]
[JsonSerializable(typeof(DemoOutput))]
internal sealed partial class KoiJsonContext : JsonSerializerContext;
