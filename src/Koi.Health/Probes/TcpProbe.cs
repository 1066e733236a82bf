using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Koi.Health.Checks;

namespace Koi.Health.Probes;

/// <summary>A TCP check: the port accepts a connection. The connection is closed at once.</summary>
internal sealed class TcpProbe : ICheckProbe
{
    public async Task<ProbeResult> ProbeAsync(CheckDefinition check, CancellationToken cancellationToken)
    {
        var colon = check.Target.LastIndexOf(':');
        var host = check.Target[..colon].Trim('[', ']');
        var port = int.Parse(check.Target[(colon + 1)..], CultureInfo.InvariantCulture);
        EndPoint endpoint = IPAddress.TryParse(host, out var address) ? new IPEndPoint(address, port) : new DnsEndPoint(host, port);
        using var socket = address is null
            ? new Socket(SocketType.Stream, ProtocolType.Tcp)
            : new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        socket.NoDelay = true;
        try
        {
            await socket.ConnectAsync(endpoint, cancellationToken);
        }
        catch (SocketException ex)
        {
            var (label, detail) = SocketFailure.Describe(ex);
            return new ProbeResult(false, label, detail);
        }

        return new ProbeResult(true, "open");
    }
}
