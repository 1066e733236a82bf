using System.Net;
using Koi.Core.Status;
using Koi.Mdns.Discovery;
using Koi.Mdns.Querying;
using Koi.Mdns.Responding;
using Koi.Mdns.Transport;
using Microsoft.Extensions.Logging;

namespace Koi.Mdns.Engine;

/// <summary>
/// The links the engine runs on: takes the transport's interfaces and sockets at start and whenever the interface
/// watch sees them change, hands them to the responder and the querier, keeps this machine's address list, and
/// reports <c>mdns/engine</c> as running only while a socket is open.
/// </summary>
internal sealed partial class EngineLinks : IDisposable
{
    private readonly EngineGate _gate;
    private readonly EngineState _state;
    private readonly IMdnsTransport _transport;
    private readonly Responder _responder;
    private readonly Querier _querier;
    private readonly ServiceTracker _tracker;
    private readonly ComponentHealth _health;
    private readonly ILogger _logger;
    private readonly InterfaceWatch _watch;
    private IReadOnlyList<IPAddress> _addresses = [];

    public EngineLinks(
        EngineGate gate,
        EngineState state,
        IMdnsTransport transport,
        Responder responder,
        Querier querier,
        ServiceTracker tracker,
        ComponentHealth health,
        TimeProvider time,
        TimeSpan watchInterval,
        ComponentHealth watchHealth,
        ILogger logger)
    {
        _gate = gate;
        _state = state;
        _transport = transport;
        _responder = responder;
        _querier = querier;
        _tracker = tracker;
        _health = health;
        _logger = logger;
        _watch = new InterfaceWatch(transport, time, watchInterval, OnLinksChanged, watchHealth, logger);
    }

    /// <summary>This machine's addresses on the links in use, IPv4 first; read without the engine's lock.</summary>
    public IReadOnlyList<IPAddress> Current => Volatile.Read(ref _addresses);

    /// <summary>Raised after the links changed and the addresses with them.</summary>
    public event EventHandler? AddressesChanged;

    /// <summary>The transport's first links; under the lock, as the engine starts.</summary>
    public void Start()
    {
        _state.Links = new LinkSet(_transport.Interfaces, _transport.Links);
        _addresses = AddressesOf(_state.Links);
        _responder.Start(_state.Links);
        _querier.Start(_state.Links);
    }

    /// <summary>Reports the links and starts watching for changes; outside the lock.</summary>
    public void StartWatching()
    {
        ReportLinks();
        _watch.Start();
    }

    /// <summary>Looks at the interfaces now, on the calling thread, instead of at the next check.</summary>
    public void CheckNow() => _watch.Check();

    public void Dispose() => _watch.Dispose();

    /// <summary>
    /// The transport's interfaces or sockets changed: goodbyes for addresses gone, probing or announcing on the new set
    /// (<see cref="Responder.ChangeLinks"/>), questions asked on the new links, and <see cref="AddressesChanged"/> raised
    /// when the addresses differ. Runs on the interface watch's timer.
    /// </summary>
    private void OnLinksChanged()
    {
        var addressesChanged = _gate.Run(now =>
        {
            if (_state.Stopped)
            {
                return false;
            }

            _state.Links = new LinkSet(_transport.Interfaces, _transport.Links);
            _responder.ChangeLinks(_state.Links);
            _querier.Start(_state.Links);
            _tracker.InterestChanged = true;
            var addresses = AddressesOf(_state.Links);
            var differ = !addresses.SequenceEqual(_addresses);
            Volatile.Write(ref _addresses, addresses);
            return differ;
        });
        ReportLinks();
        if (_logger.IsEnabled(LogLevel.Information))
        {
            string names;
            lock (_state.Gate)
            {
                names = string.Join(", ", _state.Links.Interfaces.Select(i => i.Name));
            }

            var addresses = string.Join(", ", Current);
            LogLinksChanged(_logger, names, addresses);
        }

        if (addressesChanged)
        {
            AddressesChanged?.Invoke(this, EventArgs.Empty);
        }
    }

    /// <summary>Running only while a socket is open; otherwise failed with the transport's reason (docs/mdns.md).</summary>
    private void ReportLinks()
    {
        LinkSet links;
        lock (_state.Gate)
        {
            if (_state.Stopped)
            {
                return;
            }

            links = _state.Links;
        }

        if (links.Links.Count == 0)
        {
            // Without a socket nothing is sent or heard, so the engine must not look healthy; the transport says why.
            var reason = links.Interfaces.Count == 0
                ? $"no mDNS socket is open: {_transport.Problem ?? "no interface was selected"}"
                : $"no mDNS socket is open on {string.Join(", ", links.Interfaces.Select(i => i.Name))}: {_transport.Problem ?? "every socket failed to open"}";
            _health.Failed(reason);
            LogNoSockets(_logger, reason);
        }
        else
        {
            _health.Running($"{links.Interfaces.Count} interfaces, {links.Links.Count} sockets, host {HostName}");
            LogStarted(_logger, links.Interfaces.Count, HostName);
        }
    }

    private string HostName
    {
        get
        {
            lock (_state.Gate)
            {
                return _responder.OwnHost.Name.ToString();
            }
        }
    }

    private static List<IPAddress> AddressesOf(LinkSet links)
    {
        var list = new List<IPAddress>();
        foreach (var nic in links.Interfaces)
        {
            list.AddRange(nic.IPv4);
        }

        foreach (var nic in links.Interfaces)
        {
            list.AddRange(nic.IPv6);
        }

        return list;
    }
}
