using System.Net.Sockets;

namespace Koi.Health.Probes;

/// <summary>The one place that names socket failures for people, so HTTP and TCP checks say the same thing.</summary>
internal static class SocketFailure
{
    public static (string Label, string Detail) Describe(SocketException ex) => ex.SocketErrorCode switch
    {
        SocketError.ConnectionRefused => ("closed", "connection refused"),
        SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain => ("unresolved", "host name does not resolve"),
        SocketError.HostUnreachable or SocketError.NetworkUnreachable => ("unreachable", "no route to host"),
        SocketError.TimedOut => ("timeout", "connection timed out"),
        SocketError.ConnectionReset => ("error", "connection reset"),
        _ => ("error", ex.Message),
    };
}
