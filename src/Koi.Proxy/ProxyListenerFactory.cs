using System.Net;
using System.Net.Sockets;
using Koi.Core.Events;
using Koi.Core.Paths;
using Koi.Core.Trust;
using Koi.Proxy.Backends;
using Koi.Proxy.Certificates;
using Koi.Proxy.Entries;
using Koi.Proxy.Listening;
using Koi.Proxy.Routing;
using Koi.Proxy.Transport;
using Microsoft.Extensions.Logging;

namespace Koi.Proxy;

/// <summary>
/// Builds what one entry runs on — its <see cref="ProxyListener"/> (certificate source, backend connector) and, for the
/// first entry on an address and port, the <see cref="PortListener"/> — from the daemon's shared parts, so that
/// <see cref="ProxyService"/> keeps only the set of running entries.
/// </summary>
internal sealed class ProxyListenerFactory(
    ProxyOptions options,
    KoiPaths paths,
    string hostname,
    SocketLoops loops,
    DirectoryWatchHub watches,
    Func<string, CancellationToken, Task<IPAddress[]>> resolve,
    IEventBus events,
    IMeshClientTrust meshTrust,
    TimeProvider time,
    ILogger logger,
    Action stateChanged)
{
    public ProxyListener Create(ProxyEntry entry, LoadedCertificate? initial)
    {
        var certificates = new CertificateSource(CertificateLocation.Directory(entry.CertPath, paths, hostname), initial, watches, options, time, logger);
        var connector = new BackendConnector(entry.Target, entry.BackendRemote, resolve, options, time);
        return new ProxyListener(entry, NamesOf(entry), certificates, connector, options, time, events, logger, stateChanged, meshTrust);
    }

    /// <summary>The names clients may ask for by SNI: none for an entry whose name is not a DNS label.</summary>
    public IReadOnlyList<string> NamesOf(ProxyEntry entry) =>
        ServedNames.IsDnsLabel(entry.Name) ? ServedNames.For(entry.Name, hostname, options.Zone) : [];

    /// <summary>A port opened (not started) for <paramref name="entry"/>, the first there, on <paramref name="bound"/> when the request bound it.</summary>
    public PortListener Port(ProxyEntry entry, Socket? bound) => new(entry, bound, loops, options, time, logger);
}
