using Microsoft.Extensions.Logging;

namespace Koi.Dns.Sources;

internal sealed partial class ZoneMaintainer
{
    [LoggerMessage(EventId = 10, Level = LogLevel.Warning, Message = "static entry {Name} shadows the name {Source} generates; the static entry wins")]
    private static partial void StaticShadows(ILogger logger, string name, string source);

    [LoggerMessage(EventId = 11, Level = LogLevel.Error, Message = "rebuilding the DNS zone failed; the previous zone keeps answering")]
    private static partial void RebuildFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 12, Level = LogLevel.Warning, Message = "watching the mDNS registry failed; retrying")]
    private static partial void WatchFailed(ILogger logger, Exception exception);
}
