using System.Net.Security;
using System.Net.Sockets;
using Koi.Core.Capabilities;
using Koi.Core.Events;
using Koi.Core.Trust;
using Koi.Proxy.Api;
using Koi.Proxy.Backends;
using Koi.Proxy.Certificates;
using Koi.Proxy.Entries;
using Koi.Proxy.Pumping;
using Koi.Proxy.Routing;
using Koi.Proxy.Transport;
using Microsoft.Extensions.Logging;

namespace Koi.Proxy.Listening;

/// <summary>
/// One entry at run time: its connections, its certificate and its backend, behind the <see cref="PortListener"/> that
/// accepts its clients (alone on its port, or sharing it with entries chosen by SNI). It reports its own state —
/// listening, or failed with the reason (port in use, no certificate, accept died) — as its port and its certificate
/// change; the port keeps trying to recover, so a port freed or a certificate written later brings it up without a
/// restart.
/// </summary>
internal sealed partial class ProxyListener : IAsyncDisposable
{
    private readonly ProxyOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IEventBus _events;
    private readonly Action _changed;
    private readonly BackendConnector _connector;
    private readonly ConnectionTracker _tracker;
    private readonly ConnectionAdmission _admission;
    private readonly BackendWatch _backend;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();
    private ListenerStatus _status;
    private (ListenerState State, string? Detail) _port = (ListenerState.Starting, null);
    private (string Text, DateTimeOffset At)? _lastError;
    private readonly ClientHandshake _handshake;

    /// <param name="servedNames">The names that pick this entry on a shared port (<see cref="Routing.ServedNames"/>).</param>
    public ProxyListener(
        ProxyEntry entry,
        IReadOnlyList<string> servedNames,
        CertificateSource certificates,
        BackendConnector connector,
        ProxyOptions options,
        TimeProvider time,
        IEventBus events,
        ILogger logger,
        Action changed,
        IMeshClientTrust? meshTrust = null)
    {
        Entry = entry;
        ServedNames = servedNames;
        Certificates = certificates;
        _connector = connector;
        _options = options;
        _time = time;
        _events = events;
        _logger = logger;
        _changed = changed;
        _status = new ListenerStatus(ListenerState.Starting, null, time.GetUtcNow());
        _tracker = new ConnectionTracker(options.IdleTimeout, Counters, time);
        _handshake = new ClientHandshake(entry, certificates, Counters, options, logger, meshTrust ?? new EmptyMeshClientTrust());
        _admission = new ConnectionAdmission(options.MaxConnectionsPerEntry, options.MaxConnectionsPerSource, options.MaxPendingHandshakes);
        _backend = new BackendWatch(entry, connector, options, time, events, logger, changed, RecordError, () => Status.State == ListenerState.Listening, _stopping.Token);
        certificates.Loaded += OnCertificateLoaded;
    }

    public ProxyEntry Entry { get; }

    public IReadOnlyList<string> ServedNames { get; }

    /// <summary>The port that accepts this entry's clients (set when the entry joins it).</summary>
    public Routing.PortListener? Port { get; set; }

    public CertificateSource Certificates { get; }

    public EntryCounters Counters { get; } = new();

    public BackendHealth Backend => _backend.Health;

    public ListenerStatus Status
    {
        get
        {
            lock (_gate)
            {
                return _status;
            }
        }
    }

    public (string Text, DateTimeOffset At)? LastError
    {
        get
        {
            lock (_gate)
            {
                return _lastError;
            }
        }
    }

    public void Start()
    {
        if (Entry.BackendRemote)
        {
            LogRemoteBackend(_logger, Entry.Name, Entry.Backend);
        }

        Certificates.Start();
        _backend.Start();
    }

    /// <summary>The connections open right now (tests look at how they are served).</summary>
    internal IReadOnlyList<ProxyConnection> OpenConnections() => _tracker.Snapshot();

    /// <summary>Closes idle connections now (the timer does this on its own every quarter of the idle timeout).</summary>
    internal int SweepIdle() => _tracker.Sweep();

    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        await _stopping.CancelAsync();
        Certificates.Loaded -= OnCertificateLoaded;
        await _backend.DisposeAsync();
        _tracker.AbortAll();
        _tracker.Dispose();
        Certificates.Dispose();
        SetStatus(ListenerState.Stopped, "stopped");
        _stopping.Dispose();
    }

    /// <summary>What the port is doing (<see cref="ListenerState.Failed"/> with a null detail: waiting for a certificate).</summary>
    public void OnPort(ListenerState state, string? detail)
    {
        lock (_gate)
        {
            _port = (state, detail);
        }

        Reevaluate();
    }

    /// <summary>A client of this entry's own port, watched by the loop that serves it: admitted (or closed), then served.</summary>
    public void Accept(LoopSocket client)
    {
        var ticket = Admit(client.RemoteEndPoint);
        if (ticket is null)
        {
            Counters.Reject();
            client.Dispose();
            return;
        }

        Counters.Opened();
        _ = ServeAttachedAsync(client, ticket, null, 0, null);
    }

    /// <summary>
    /// A client of a shared port whose ClientHello named this entry: <paramref name="hello"/> (rented from the buffer
    /// pool, returned by this entry) holds the <paramref name="length"/> bytes already read, which the handshake reads
    /// first, and <paramref name="deadline"/> (disposed by this entry) is the client's, in its handshake phase.
    /// </summary>
    public void AcceptRouted(LoopSocket client, byte[] hello, int length, ConnectionDeadline deadline)
    {
        var ticket = Admit(client.RemoteEndPoint);
        if (ticket is null)
        {
            Counters.Reject();
            deadline.Dispose();
            client.Dispose();
            _options.BufferPool.Return(hello);
            return;
        }

        Counters.Opened();
        _ = ServeAttachedAsync(client, ticket, hello, length, deadline);
    }

    private void Reevaluate()
    {
        (ListenerState State, string? Detail) port;
        lock (_gate)
        {
            port = _port;
        }

        if (_stopping.IsCancellationRequested || port.State == ListenerState.Starting)
        {
            return;
        }

        if (Certificates.Current is null)
        {
            Fail(Certificates.Problem?.Text ?? $"no certificate loaded from {Certificates.Directory} yet");
            return;
        }

        if (port.State == ListenerState.Failed)
        {
            Fail(port.Detail ?? $"listener on {Entry.ListenText} is waiting for a certificate");
            return;
        }

        if (SetStatus(ListenerState.Listening, $"listening on {Entry.ListenText} → {Entry.Backend}"))
        {
            LogListening(_logger, Entry.Name, Entry.ListenText, Entry.Backend, Certificates.Current?.Serial ?? "?");
            _ = _backend.CheckAsync();
        }
    }

    private ConnectionAdmission.Ticket? Admit(System.Net.EndPoint? endpoint)
    {
        if (endpoint is not System.Net.IPEndPoint remote)
        {
            return null;
        }

        var ticket = _admission.TryAdmit(remote.Address, out var evicted);
        if (evicted is not null)
        {
            Counters.Evict();
            evicted.Evict();
        }

        return ticket;
    }

    /// <param name="hello">A routed client's ClientHello, read already (returned to the pool here); null: wait for it.</param>
    /// <param name="routed">A routed client's deadline, in its handshake phase (disposed here); null: a new one.</param>
    private async Task ServeAttachedAsync(LoopSocket client, ConnectionAdmission.Ticket ticket, byte[]? hello, int helloLength, ConnectionDeadline? routed)
    {
        var loop = client.Loop;
        var connection = new ProxyConnection(client, _time);
        _tracker.Add(connection);
        SslStream? tls = null;
        using var deadline = routed ?? new ConnectionDeadline(_options.FirstByteTimeout, _time, _stopping.Token);
        try
        {
            // Removing this entry ends its routed clients' handshakes too, not only the port's stop.
            routed?.HandOver(_stopping.Token);
            if (!ticket.Bind(connection) || (hello is null && !await FirstByteAsync(client, deadline)))
            {
                return;
            }

            (var taken, hello) = (hello, null);
            if (taken is null)
            {
                deadline.Rearm(_options.HandshakeTimeout);
            }

            tls = await _handshake.OpenTlsAsync(client, taken, helloLength, deadline.Token);
            if (tls is null)
            {
                return;
            }

            _admission.Established(ticket);
            connection.Touch();
            LoopSocket backend;
            try
            {
                // On the client's loop, so both sides of the connection run on one thread; the deadline, re-armed for
                // the connect, is then disarmed.
                backend = await _connector.ConnectAsync(client.OnLoop ? loop : null, deadline, _stopping.Token);
                deadline.Disarm();
            }
            catch (BackendUnavailableException ex)
            {
                Counters.BackendFailed();
                _backend.Missed(ex.Message);
                await ClientHandshake.CloseGracefullyAsync(tls);
                return;
            }

            _backend.Reached();
            if (connection.Attach(backend))
            {
                await DuplexPump.RunAsync(tls, backend, connection, Counters, _options.BufferSize, _options.BufferPool);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or IOException or SocketException)
        {
            // Stopping, aborted (idle, removed) or a peer gone mid-way: the connection is over, nothing to report.
        }
        catch (Exception ex)
        {
            RecordError($"connection failed: {ex.Message}");
            LogConnectionFailed(_logger, Entry.Name, ex);
        }
        finally
        {
            if (hello is not null)
            {
                _options.BufferPool.Return(hello);
            }

            tls?.Dispose();
            connection.Abort();
            _tracker.Remove(connection);
            _admission.Release(ticket);
            Counters.Closed();
        }
    }

    /// <summary>
    /// Waits, holding no buffer, for the client's first byte; false (counted as a failed handshake) when none came in
    /// time. A connection that never speaks costs its socket and nothing else, and only for this long.
    /// </summary>
    private async Task<bool> FirstByteAsync(LoopSocket client, ConnectionDeadline deadline)
    {
        try
        {
            await client.WaitReadableAsync(deadline.Token);
            return true;
        }
        catch (OperationCanceledException) when (!_stopping.IsCancellationRequested)
        {
            Counters.HandshakeFailed();
            return false;
        }
    }

    private void OnCertificateLoaded(LoadedCertificate certificate)
    {
        _events.Publish(CapabilityNames.Proxy, "certificate_loaded", new ProxyCertificateEvent(Entry.Name, certificate.Serial, certificate.NotAfter));
        Reevaluate();
        Port?.Wake();
    }

    private void Fail(string reason)
    {
        if (SetStatus(ListenerState.Failed, reason))
        {
            RecordError(reason);
            LogListenerFailed(_logger, Entry.Name, reason);
            _events.Publish(CapabilityNames.Proxy, "listener_failed", new ProxyListenerFailedEvent(Entry.Name, reason));
        }
    }

    private bool SetStatus(ListenerState state, string? detail)
    {
        lock (_gate)
        {
            if (_status.State == state && _status.Detail == detail)
            {
                return false;
            }

            _status = new ListenerStatus(state, detail, _time.GetUtcNow());
        }

        _changed();
        return true;
    }

    private void RecordError(string text)
    {
        lock (_gate)
        {
            _lastError = (text, _time.GetUtcNow());
        }
    }
}
