using System.Net;
using Koi.Dns.Protocol;
using Microsoft.Extensions.Logging;

namespace Koi.Mdns.Responding;

internal sealed partial class ConflictResolver
{
    [LoggerMessage(EventId = 411, Level = LogLevel.Information, Message = "mDNS: '{OldName}' is taken (conflict seen from {Source}); now '{NewName}'")]
    private static partial void LogRenamed(ILogger logger, string oldName, DnsName newName, IPEndPoint source);

    [LoggerMessage(EventId = 412, Level = LogLevel.Information, Message = "mDNS: lost the simultaneous-probe tiebreak for '{Name}' against {Source}; probing again in 1 s")]
    private static partial void LogLostTiebreak(ILogger logger, DnsName name, IPEndPoint source);

    [LoggerMessage(EventId = 413, Level = LogLevel.Information, Message = "mDNS: '{Name}' is announced differently by {Source}; probing it again")]
    private static partial void LogReprobing(ILogger logger, DnsName name, IPEndPoint source);
}
