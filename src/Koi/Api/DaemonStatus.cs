using Koi.Core.Capabilities;
using Koi.Core.Status;

namespace Koi.Api;

/// <summary>The body of <c>GET /v1/status</c>.</summary>
internal sealed record DaemonStatus(
    string Version,
    string Commit,
    string Hostname,
    int Pid,
    long UptimeSecs,
    string DataDir,
    IReadOnlyList<CapabilityStatus> Capabilities,
    IReadOnlyList<ComponentSnapshot> Components);
