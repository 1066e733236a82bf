using System.Net;
using System.Net.Sockets;
using Koi.Core.Capabilities;
using Koi.Core.Errors;
using Koi.Core.Events;
using Koi.Core.Paths;
using Koi.Core.Proxy;
using Koi.Core.Status;
using Koi.Core.Trust;
using Koi.Proxy.Api;
using Koi.Proxy.Backends;
using Koi.Proxy.Certificates;
using Koi.Proxy.Entries;
using Koi.Proxy.Listening;
using Koi.Proxy.State;
using Koi.Proxy.Transport;
using Microsoft.Extensions.Logging;

namespace Koi.Proxy;

/// <summary>
/// The proxy at run time: the entries (persisted in <c>state/proxy.json</c>) and one <see cref="ProxyListener"/> per
/// entry. Add checks everything before it changes anything — shape, name and port conflicts, the backend rule, the
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
    private readonly SocketLoops _loops;
    private readonly IMeshClientTrust _meshTrust;
    private List<ProxyEntry> _entries = [];
    private string? _loadProblem;
    private int _disposed;

    public ProxyService(ProxyStateStore store, ProxyOptions options, KoiPaths paths, ComponentHealth health, ComponentHealth loopsHealth, IEventBus events, TimeProvider time, ILogger logger, IMeshClientTrust? meshTrust = null)
    {
        _meshTrust = meshTrust ?? new EmptyMeshClientTrust();
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
    }

    /// <summary>The name of this machine's certmesh directory, <c>certs/&lt;Hostname&gt;/</c>.</summary>
    public string Hostname { get; }

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

        lock (_gate)
        {
            _entries = [.. document.Entries];
            foreach (var entry in _entries)
            {
                _listeners[entry.Name] = Create(entry, initial: null, bound: null);
            }
        }

        foreach (var listener in Listeners())
        {
            listener.Start();
        }

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

                if (_entries.FirstOrDefault(e => e.Overlaps(entry)) is { } taken)
                {
                    throw new KoiException(KoiErrorCode.Conflict, $"port {entry.ListenPort} is already served by proxy entry '{taken.Name}' ({taken.ListenText})");
                }
            }

            var resolved = await BackendRule.CheckAsync(entry.Target, entry.BackendRemote, _resolve, ct);
            if (BackendRule.DaemonApiProblem(entry.Target, resolved, _options.DaemonApiPort) is { } problem)
            {
                throw new KoiException(KoiErrorCode.InvalidRequest, problem);
            }

            var directory = CertificateLocation.Directory(entry.CertPath, _paths, Hostname);
            LoadedCertificate certificate;
            try
            {
                certificate = CertificateLoader.Load(directory, _time.GetUtcNow());
            }
            catch (CertificateProblemException ex)
            {
                throw new KoiException(KoiErrorCode.InvalidRequest, ex.Message);
            }

            Socket socket;
            try
            {
                socket = ListenSocket.Bind(entry.ListenEndPoint);
            }
            catch (SocketException ex)
            {
                throw new KoiException(BindErrorCode(ex.SocketErrorCode), ListenSocket.Describe(ex, entry.ListenText));
            }

            try
            {
                List<ProxyEntry> entries;
                lock (_gate)
                {
                    entries = [.. _entries, entry];
                }

                _store.Save(new ProxyDocument { Entries = entries });
                listener = Create(entry, certificate, socket);
                lock (_gate)
                {
                    _entries = entries;
                    _listeners[entry.Name] = listener;
                }
            }
            catch
            {
                socket.Dispose();
                throw;
            }

            listener.Start();
            LogEntryAdded(_logger, entry.Name, entry.ListenText, entry.Backend, directory);
            _events.Publish(CapabilityNames.Proxy, "entry_added", ViewOf(entry));
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

        return StatusOf(listener);
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
            lock (_gate)
            {
                _entries = remaining;
                _listeners.Remove(name);
            }
        }
        finally
        {
            _changes.Release();
        }

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
            return _entries.Select(ViewOf).ToList();
        }
    }

    public ProxyStatusView Status() =>
        new(_time.GetUtcNow(), Hostname, _loadProblem, Listeners().Select(StatusOf).ToList());

    public IReadOnlyList<ProxyEntryFacts> Facts() => Listeners().Select(FactsOf).ToList();

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

        foreach (var listener in Listeners())
        {
            await listener.DisposeAsync();
        }

        _loops.Dispose();
        _health.Stopped("daemon stopping");
    }

    private ProxyListener Create(ProxyEntry entry, LoadedCertificate? initial, Socket? bound)
    {
        var certificates = new CertificateSource(CertificateLocation.Directory(entry.CertPath, _paths, Hostname), initial, _options, _time, _logger);
        var connector = new BackendConnector(entry.Target, entry.BackendRemote, _resolve, _options, _time);
        return new ProxyListener(entry, certificates, connector, _loops, bound, _options, _time, _events, _logger, RefreshHealth, _meshTrust);
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

    /// <summary>proxy/listeners: failed if any listener failed (naming it), starting while any starts, else running.</summary>
    private void RefreshHealth()
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return;
        }

        if (_loadProblem is not null)
        {
            _health.Failed(_loadProblem);
            return;
        }

        var listeners = Listeners();
        var failed = listeners.Where(l => l.Status.State == ListenerState.Failed).ToList();
        if (failed.Count > 0)
        {
            _health.Failed(string.Join("; ", failed.Select(l => $"{l.Entry.Name}: {l.Status.Detail}")));
            return;
        }

        if (listeners.Any(l => l.Status.State == ListenerState.Starting))
        {
            _health.Starting();
            return;
        }

        var unreachable = listeners.Count(l => l.Backend.Snapshot.State == BackendState.Unreachable);
        var summary = listeners.Count == 0 ? "no entries" : $"{listeners.Count} listening";
        _health.Running(unreachable == 0 ? summary : $"{summary}, {unreachable} backend{(unreachable == 1 ? string.Empty : "s")} unreachable");
    }

    private ProxyEntryView ViewOf(ProxyEntry entry) => new(
        entry.Name,
        entry.ListenText,
        entry.ListenPort,
        entry.ListenAddress,
        entry.Backend,
        entry.BackendRemote,
        CertificateLocation.Directory(entry.CertPath, _paths, Hostname),
        entry.CertPath is null,
        entry.AddedAt,
        entry.Http2,
        entry.Clients);

    private ProxyEntryStatusView StatusOf(ProxyListener listener)
    {
        var status = listener.Status;
        var backend = listener.Backend.Snapshot;
        var counters = listener.Counters;
        var lastError = listener.LastError;
        return new ProxyEntryStatusView(
            listener.Entry.Name,
            listener.Entry.ListenText,
            listener.Entry.Backend,
            listener.Entry.BackendRemote,
            status.State.ToString().ToLowerInvariant(),
            status.Detail,
            status.Since,
            backend.State.ToString().ToLowerInvariant(),
            backend.Detail,
            backend.Since,
            counters.Open,
            counters.Accepted,
            counters.BytesIn,
            counters.BytesOut,
            counters.HandshakeFailures,
            counters.BackendFailures,
            counters.Rejected,
            counters.IdleClosed,
            counters.Evicted,
            CertificateOf(listener.Certificates),
            lastError?.Text,
            lastError?.At,
            listener.Entry.Clients,
            counters.ClientsRefused);
    }

    private CertificateView CertificateOf(CertificateSource source)
    {
        var current = source.Current;
        var problem = source.Problem?.Text;
        var now = _time.GetUtcNow();
        if (current is not null && current.NotAfter <= now)
        {
            problem ??= $"the certificate expired at {current.NotAfter:u}; clients refuse it until certmesh renews it";
        }

        return new CertificateView(
            source.Directory,
            current?.Subject,
            current?.Serial,
            current?.NotAfter,
            current is null ? null : (int)Math.Floor((current.NotAfter - now).TotalDays),
            current?.Names ?? [],
            current?.LoadedAt,
            problem);
    }

    private static ProxyEntryFacts FactsOf(ProxyListener listener)
    {
        var status = listener.Status;
        var backend = listener.Backend.Snapshot;
        var listening = status.State == ListenerState.Listening;
        bool? reachable = backend.State switch
        {
            BackendState.Reachable => true,
            BackendState.Unreachable => false,
            _ => null,
        };
        // Starting and stopping are not problems: other capabilities (health) read "not listening, no problem" as
        // "not decided", so a daemon restart does not look like an outage.
        var problem = status.State == ListenerState.Failed ? status.Detail ?? "failed"
            : !listening ? null
            : reachable == false ? $"backend {listener.Entry.Backend}: {backend.Detail}"
            : null;
        var since = !listening || backend.State == BackendState.Unknown ? status.Since : (backend.Since > status.Since ? backend.Since : status.Since);
        return new ProxyEntryFacts(listener.Entry.Name, listener.Entry.ListenPort, listener.Entry.Backend, listening, reachable, listener.Counters.BackendFailures, problem, since);
    }

    private static string BindErrorCode(SocketError error) => error switch
    {
        SocketError.AccessDenied => KoiErrorCode.Forbidden,
        SocketError.AddressNotAvailable => KoiErrorCode.InvalidRequest,
        _ => KoiErrorCode.Conflict,
    };
}
