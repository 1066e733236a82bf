using System.Net;
using System.Net.Sockets;
using Koi.Core.Capabilities;
using Koi.Core.Errors;
using Koi.Core.Events;
using Koi.Core.Naming;
using Koi.Core.Paths;
using Koi.Core.Proxy;
using Koi.Core.Status;
using Koi.Core.Trust;
using Koi.Proxy.Api;
using Koi.Proxy.Backends;
using Koi.Proxy.Certificates;
using Koi.Proxy.Entries;
using Koi.Proxy.Listening;
using Koi.Proxy.Naming;
using Koi.Proxy.Routing;
using Koi.Proxy.State;
using Koi.Proxy.Transport;
using Microsoft.Extensions.Logging;

namespace Koi.Proxy;

/// <summary>
/// The proxy at run time: the entries (persisted in <c>state/proxy.json</c>), one <see cref="ProxyListener"/> per
/// entry and one <see cref="PortListener"/> per listen address and port, shared by the entries on it (chosen by SNI). Add checks everything before it changes anything — shape, name and port conflicts, the backend rule, the
/// certificate, the port itself (bound here, so "address in use" answers the request) — then saves, then starts.
/// Reports the listeners' real state as the component <c>proxy/listeners</c>, its socket loops' as <c>proxy/loops</c>.
/// </summary>
internal sealed partial class ProxyService : IAsyncDisposable
{
    private readonly ProxyStateStore _store;
    private readonly ProxyOptions _options;
    private readonly KoiPaths _paths;
    private readonly ComponentHealth _health;
    private readonly IEventBus _events;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Func<string, CancellationToken, Task<IPAddress[]>> _resolve;
    private readonly SemaphoreSlim _changes = new(1, 1);
    private readonly Lock _gate = new();
    private readonly Dictionary<string, ProxyListener> _listeners = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<PortListener> _ports = [];
    private readonly SocketLoops _loops;
    private readonly DirectoryWatchHub _watches;
    private readonly ProxyListenerFactory _factory;
    private readonly EntryAnnouncer _names;
    private readonly NameResolutionMonitor _resolution;
    private readonly ProxyEntryViews _views;
    private List<ProxyEntry> _entries = [];
    private string? _loadProblem;
    private int _disposed;

    public ProxyService(
        ProxyStateStore store,
        ProxyOptions options,
        KoiPaths paths,
        ComponentHealth health,
        ComponentHealth loopsHealth,
        IEventBus events,
        TimeProvider time,
        ILogger logger,
        IMeshClientTrust? meshTrust = null,
        IServiceAdvertiser? advertiser = null,
        ServiceNameBoard? board = null,
        ComponentHealth? namesHealth = null,
        ComponentHealth? watchHealth = null)
    {
        _store = store;
        _options = options;
        _paths = paths;
        _health = health;
        _events = events;
        _time = time;
        _logger = logger;
        _resolve = options.Resolve ?? BackendRule.SystemResolve;
        Hostname = (options.Hostname ?? CertificateLocation.MachineHostname)();
        _loops = new SocketLoops(options.SocketLoops, loopsHealth, logger);
        _watches = new DirectoryWatchHub(watchHealth ?? new ComponentHealth("proxy/cert-watch", time), logger);
        _factory = new ProxyListenerFactory(options, paths, Hostname, _loops, _watches, _resolve, events, meshTrust ?? new EmptyMeshClientTrust(), time, logger, RefreshHealth);
        Board = board ?? new ServiceNameBoard();
        _resolution = new NameResolutionMonitor(() => Listeners().Select(l => _views!.UrlHostOf(l.Entry)).Distinct(StringComparer.Ordinal).ToList(), options, time);
        _names = new EntryAnnouncer(advertiser ?? new NoServiceAdvertiser(), Board, namesHealth ?? new ComponentHealth("proxy/names", time), Hostname, logger);
        _views = new ProxyEntryViews(options, paths, Hostname, time, _names, _resolution, Board);
    }

    /// <summary>Where entries' labels are offered and the CA's decisions about them are read.</summary>
    public ServiceNameBoard Board { get; }

    /// <summary>The name of this machine's certmesh directory, <c>certs/&lt;Hostname&gt;/</c>.</summary>
    public string Hostname { get; }

    public async Task StartAsync(CancellationToken ct)
    {
        Start();
        foreach (var listener in Listeners())
        {
            await _names.AnnounceAsync(listener.Entry, ct);
        }

        await _names.ReportAsync();
    }

    public void Start()
    {
        ProxyDocument document;
        try
        {
            document = _store.Load();
            foreach (var entry in document.Entries)
            {
                // A hand-edited file is held to the same rules as the API.
                ProxyEntryValidator.ValidateName(entry.Name);
                _ = entry.Target;
            }
        }
        catch (Exception ex) when (ex is InvalidDataException or KoiException or IOException or UnauthorizedAccessException)
        {
            _loadProblem = $"{_store.Path} cannot be read ({ex.Message}); entries cannot be changed until it is fixed or removed";
            LogStateUnreadable(_logger, _loadProblem);
            RefreshHealth();
            return;
        }

        List<PortListener> ports;
        lock (_gate)
        {
            _entries = [.. document.Entries];
            foreach (var entry in _entries)
            {
                var listener = _factory.Create(entry, initial: null);
                _listeners[entry.Name] = listener;
                PortOf(entry, bound: null, out _).Add(listener);
            }

            ports = [.. _ports];
        }

        foreach (var listener in Listeners())
        {
            listener.Start();
        }

        foreach (var port in ports)
        {
            port.Start();
        }

        _resolution.Start();
        RefreshHealth();
    }

    public async Task<ProxyEntryStatusView> AddAsync(ProxyEntryRequest request, CancellationToken ct)
    {
        var entry = ProxyEntryValidator.Validate(request, _time.GetUtcNow());
        await _changes.WaitAsync(ct);
        ProxyListener listener;
        try
        {
            EnsureWritable();
            lock (_gate)
            {
                if (_listeners.ContainsKey(entry.Name))
                {
                    throw new KoiException(KoiErrorCode.Conflict, $"a proxy entry named '{entry.Name}' exists already; remove it first to change it");
                }

                if (_entries.Count >= _options.MaxEntries)
                {
                    throw new KoiException(KoiErrorCode.Conflict, $"at most {_options.MaxEntries} proxy entries");
                }

                EntryChecks.PortSharing(entry, _entries, _factory.NamesOf);
            }

            var directory = CertificateLocation.Directory(entry.CertPath, _paths, Hostname);
            var certificate = await EntryChecks.BackendAndCertificateAsync(entry, directory, _resolve, _options.DaemonApiPort, _time.GetUtcNow(), ct);

            // A port already open for other entries is joined; a new one is bound now, so its error answers the request.
            Socket? socket = null;
            bool sharing;
            lock (_gate)
            {
                sharing = _ports.Any(p => p.Serves(entry));
            }

            if (!sharing)
            {
                socket = EntryChecks.Bind(entry);
            }

            PortListener port;
            bool created;
            try
            {
                List<ProxyEntry> entries;
                lock (_gate)
                {
                    entries = [.. _entries, entry];
                }

                _store.Save(new ProxyDocument { Entries = entries });
                listener = _factory.Create(entry, certificate);
                lock (_gate)
                {
                    _entries = entries;
                    _listeners[entry.Name] = listener;
                    port = PortOf(entry, socket, out created);
                }
            }
            catch
            {
                socket?.Dispose();
                throw;
            }

            listener.Start();
            port.Add(listener);
            if (created)
            {
                port.Start();
            }

            await _names.AnnounceAsync(entry, ct);
            _resolution.Nudge();
            LogEntryAdded(_logger, entry.Name, entry.ListenText, entry.Backend, directory);
            _events.Publish(CapabilityNames.Proxy, "entry_added", _views.ViewOf(entry));
        }
        finally
        {
            _changes.Release();
        }

        // The socket is bound already; give the accept loop a moment to report listening and the first backend check
        // its answer, so the reply says both.
        for (var wait = 0; wait < 100
            && (listener.Status.State == ListenerState.Starting
                || (listener.Status.State == ListenerState.Listening && listener.Backend.Snapshot.State == BackendState.Unknown)); wait++)
        {
            await Task.Delay(10, ct);
        }

        return _views.StatusOf(listener);
    }

    public async Task<ProxyEntry> RemoveAsync(string name)
    {
        await _changes.WaitAsync();
        ProxyListener listener;
        try
        {
            EnsureWritable();
            List<ProxyEntry> remaining;
            lock (_gate)
            {
                if (!_listeners.TryGetValue(name, out listener!))
                {
                    throw new KoiException(KoiErrorCode.NotFound, $"no proxy entry named '{ProxyEntryValidator.Shorten(name)}'");
                }

                remaining = _entries.Where(e => !string.Equals(e.Name, listener.Entry.Name, StringComparison.OrdinalIgnoreCase)).ToList();
            }

            _store.Save(new ProxyDocument { Entries = remaining });
            PortListener? emptied = null;
            lock (_gate)
            {
                _entries = remaining;
                _listeners.Remove(name);
                if (listener.Port is { } port && port.Remove(listener))
                {
                    _ports.Remove(port);
                    emptied = port;
                }
            }

            // The port's last entry closes it; otherwise the other entries keep their clients and their socket.
            if (emptied is not null)
            {
                await emptied.DisposeAsync();
            }
        }
        finally
        {
            _changes.Release();
        }

        await _names.WithdrawAsync(listener.Entry.Name);
        await listener.DisposeAsync();
        RefreshHealth();
        LogEntryRemoved(_logger, listener.Entry.Name);
        _events.Publish(CapabilityNames.Proxy, "entry_removed", new ProxyEntryRemovedEvent(listener.Entry.Name));
        return listener.Entry;
    }

    public IReadOnlyList<ProxyEntryView> Entries()
    {
        lock (_gate)
        {
            return _entries.Select(_views.ViewOf).ToList();
        }
    }

    public ProxyStatusView Status() =>
        new(_time.GetUtcNow(), Hostname, _loadProblem, Listeners().Select(_views.StatusOf).ToList());

    public IReadOnlyList<ProxyEntryFacts> Facts() => Listeners().Select(ProxyEntryViews.FactsOf).ToList();

    public (int Entries, int Listening, long Open, long BackendFailures) Counts()
    {
        var listeners = Listeners();
        return (
            listeners.Count,
            listeners.Count(l => l.Status.State == ListenerState.Listening),
            listeners.Sum(l => l.Counters.Open),
            listeners.Sum(l => l.Counters.BackendFailures));
    }

    internal ProxyListener? Find(string name)
    {
        lock (_gate)
        {
            return _listeners.GetValueOrDefault(name);
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Stopped by the hosted service, then disposed again by the container: only the first call counts.
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _names.DisposeAsync();
        await _resolution.DisposeAsync();
        List<PortListener> ports;
        lock (_gate)
        {
            ports = [.. _ports];
        }

        foreach (var port in ports)
        {
            await port.DisposeAsync();
        }

        foreach (var listener in Listeners())
        {
            await listener.DisposeAsync();
        }

        _loops.Dispose();
        _watches.Dispose();
        _health.Stopped("daemon stopping");
    }

    /// <summary>The port <paramref name="entry"/> listens on, opened (not started) when it is the first there. Under <see cref="_gate"/>.</summary>
    private PortListener PortOf(ProxyEntry entry, Socket? bound, out bool created)
    {
        created = false;
        if (_ports.FirstOrDefault(p => p.Serves(entry)) is { } port)
        {
            bound?.Dispose();
            return port;
        }

        created = true;
        port = _factory.Port(entry, bound);
        _ports.Add(port);
        return port;
    }

    internal List<ProxyListener> Listeners()
    {
        lock (_gate)
        {
            return [.. _listeners.Values.OrderBy(l => l.Entry.Name, StringComparer.OrdinalIgnoreCase)];
        }
    }

    private void EnsureWritable()
    {
        if (_loadProblem is not null)
        {
            throw new KoiException(KoiErrorCode.Unavailable, _loadProblem);
        }
    }

    private void RefreshHealth()
    {
        if (Volatile.Read(ref _disposed) == 0)
        {
            ListenersHealth.Report(_health, _loadProblem, Listeners());
        }
    }
}
