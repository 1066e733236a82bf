namespace Koi.Dns.Resolving;

/// <summary>How a query arrived; decides the size an answer may have.</summary>
internal enum DnsTransport
{
    Udp,
    Tcp,

    /// <summary><c>koi dns lookup</c>: the daemon asking itself, exempt from client rules.</summary>
    Internal,
}
