using System.ComponentModel;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Koi.Core.Capabilities;
using Koi.Core.Events;
using Koi.Core.Net;
using Koi.Core.Trust;
using Koi.Proxy.Api;
using Koi.Proxy.Backends;
using Koi.Proxy.Certificates;
using Koi.Proxy.Entries;
using Koi.Proxy.Pumping;
using Koi.Proxy.Transport;
using Microsoft.Extensions.Logging;

namespace Koi.Proxy.Listening;

/// <summary>
/// One entry at run time: its TLS listener, its connections, its certificate and its backend. The listener reports
/// its own state — listening, or failed with the reason (port in use, no certificate, accept died) — and keeps
/// trying to recover every <see cref="ProxyOptions.BindRetry"/>, so a port freed or a certificate written later
/// brings it up without a restart.
/// </summary>
internal sealed partial class ProxyListener : IAsyncDisposable
{
    // Nothing is parsed, so the ALPN answer decides the protocol on the wire: h2 only where the backend speaks h2c.
    private static readonly List<SslApplicationProtocol> Http11Protocols = [SslApplicationProtocol.Http11];
    private static readonly List<SslApplicationProtocol> Http2Protocols = [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11];

    private readonly ProxyOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IEventBus _events;
    private readonly Action _changed;
    private readonly BackendConnector _connector;
    private readonly SocketLoops _loops;
    private readonly ConnectionTracker _tracker;
    private readonly ConnectionAdmission _admission;
    private readonly ITimer _backendCheck;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();
    private Socket? _socket;
    private Task _run = Task.CompletedTask;
    private ListenerStatus _status;
    private (string Text, DateTimeOffset At)? _lastError;
    private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _checkingBackend;
    private readonly IMeshClientTrust _meshTrust;
    private readonly RemoteCertificateValidationCallback _admitMeshClient;

    /// <param name="bound">A socket already bound by <c>add</c> (so a bind error answers the request), or null to bind here.</param>
    public ProxyListener(
        ProxyEntry entry,
        CertificateSource certificates,
        BackendConnector connector,
        SocketLoops loops,
        Socket? bound,
        ProxyOptions options,
        TimeProvider time,
        IEventBus events,
        ILogger logger,
        Action changed,
        IMeshClientTrust? meshTrust = null)
    {
        _meshTrust = meshTrust ?? new EmptyMeshClientTrust();
        _admitMeshClient = AdmitMeshClient;
        Entry = entry;
        Certificates = certificates;
        _connector = connector;
        _loops = loops;
        _socket = bound;
        _options = options;
        _time = time;
        _events = events;
        _logger = logger;
        _changed = changed;
        _status = new ListenerStatus(ListenerState.Starting, null, time.GetUtcNow());
        Backend = new BackendHealth(time);
        _tracker = new ConnectionTracker(options.IdleTimeout, Counters, time);
        _admission = new ConnectionAdmission(options.MaxConnectionsPerEntry, options.MaxConnectionsPerSource, options.MaxPendingHandshakes);
        _backendCheck = time.CreateTimer(_ => _ = CheckBackendAsync(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        certificates.Loaded += OnCertificateLoaded;
    }

    public ProxyEntry Entry { get; }

    public CertificateSource Certificates { get; }

    public EntryCounters Counters { get; } = new();

    public BackendHealth Backend { get; }

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
        _run = Task.Run(RunAsync);
        _backendCheck.Change(_options.BackendCheckInterval, _options.BackendCheckInterval);
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
        await _backendCheck.DisposeAsync();
        CloseSocket();
        _tracker.AbortAll();
        try
        {
            await _run;
        }
        catch (OperationCanceledException)
        {
        }

        _tracker.Dispose();
        Certificates.Dispose();
        SetStatus(ListenerState.Stopped, "stopped");
        _stopping.Dispose();
    }

    private async Task RunAsync()
    {
        var token = _stopping.Token;
        while (!token.IsCancellationRequested)
        {
            try
            {
                await RunOnceAsync(token);
            }
            catch (Exception ex) when (!token.IsCancellationRequested)
            {
                // Not expected (a bug): the entry shows it as failed and tries again, rather than its task ending
                // with the status frozen at "listening".
                CloseSocket();
                Fail($"listener failed unexpectedly: {ex.GetType().Name}: {ex.Message}");
                LogListenerLoopFailed(_logger, Entry.Name, ex);
                await PauseAsync(token);
            }
        }
    }

    /// <summary>One round: wait for a certificate, bind, accept until that ends (or pause after a failure).</summary>
    private async Task RunOnceAsync(CancellationToken token)
    {
        if (Certificates.Current is null)
        {
            CloseSocket();
            Fail(Certificates.Problem?.Text ?? $"no certificate loaded from {Certificates.Directory} yet");
            await PauseAsync(token);
            return;
        }

        Socket? socket;
        lock (_gate)
        {
            socket = _socket;
        }

        if (socket is null)
        {
            socket = TryBind();
            if (socket is null)
            {
                await PauseAsync(token);
                return;
            }

            lock (_gate)
            {
                _socket = socket;
            }
        }

        SetStatus(ListenerState.Listening, $"listening on {Entry.ListenText} → {Entry.Backend}");
        LogListening(_logger, Entry.Name, Entry.ListenText, Entry.Backend, Certificates.Current?.Serial ?? "?");
        _ = CheckBackendAsync();
        var failure = await AcceptLoopAsync(socket, token);
        CloseSocket();
        if (failure is not null)
        {
            Fail(failure);
            await PauseAsync(token);
        }
    }

    private Socket? TryBind()
    {
        try
        {
            return ListenSocket.Bind(Entry.ListenEndPoint);
        }
        catch (SocketException ex)
        {
            Fail(ListenSocket.Describe(ex, Entry.ListenText));
            return null;
        }
    }

    /// <returns>Null when stopping; otherwise why accepting ended.</returns>
    private async Task<string?> AcceptLoopAsync(Socket socket, CancellationToken token)
    {
        while (true)
        {
            Socket client;
            try
            {
                client = await socket.AcceptAsync(token);
            }
            catch (Exception) when (token.IsCancellationRequested)
            {
                return null;
            }
            catch (SocketException ex) when (SocketErrors.IsTransientAccept(ex.SocketErrorCode))
            {
                // The client gave up while queued; the listener is fine.
                continue;
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.TooManyOpenSockets or SocketError.NoBufferSpaceAvailable)
            {
                // Out of file descriptors or memory for a moment: back off instead of spinning, keep listening.
                RecordError($"accept: {ex.Message}");
                await Task.Delay(TimeSpan.FromMilliseconds(100), _time, token).ConfigureAwait(false);
                continue;
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                return $"listener on {Entry.ListenText} stopped accepting: {ex.Message}";
            }

            var ticket = Admit(client);
            if (ticket is null)
            {
                Counters.Reject();
                client.Dispose();
                continue;
            }

            Counters.Opened();
            _ = ServeAsync(client, ticket);
        }
    }

    private ConnectionAdmission.Ticket? Admit(Socket client)
    {
        if (client.RemoteEndPoint is not System.Net.IPEndPoint remote)
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

    private async Task ServeAsync(Socket accepted, ConnectionAdmission.Ticket ticket)
    {
        var loop = _loops.Next();
        LoopSocket client;
        try
        {
            client = LoopSocket.Attach(accepted, loop);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            // Gone before it could be watched (reset while queued): nothing to serve.
            accepted.Dispose();
            _admission.Release(ticket);
            Counters.Closed();
            return;
        }

        var connection = new ProxyConnection(client, _time);
        _tracker.Add(connection);
        SslStream? tls = null;
        try
        {
            if (!ticket.Bind(connection) || !await FirstByteAsync(client))
            {
                return;
            }

            tls = new SslStream(new LoopStream(client), leaveInnerStreamOpen: false);
            if (!await HandshakeAsync(tls))
            {
                return;
            }

            _admission.Established(ticket);
            connection.Touch();
            LoopSocket backend;
            try
            {
                // On the client's loop, so both sides of the connection run on one thread.
                backend = await _connector.ConnectAsync(client.OnLoop ? loop : null, _stopping.Token);
            }
            catch (BackendUnavailableException ex)
            {
                Counters.BackendFailed();
                BackendMissed(ex.Message);
                await CloseGracefullyAsync(tls);
                return;
            }

            BackendReached();
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
    private async Task<bool> FirstByteAsync(LoopSocket client)
    {
        using var timeout = new CancellationTokenSource(_options.FirstByteTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, _stopping.Token);
        try
        {
            await client.WaitReadableAsync(linked.Token);
            return true;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            Counters.HandshakeFailed();
            return false;
        }
    }

    private async Task<bool> HandshakeAsync(SslStream tls)
    {
        var certificate = Certificates.Current;
        if (certificate is null)
        {
            Counters.HandshakeFailed();
            return false;
        }

        using var timeout = new CancellationTokenSource(_options.HandshakeTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, _stopping.Token);
        try
        {
            var options = TlsPolicy.Apply(new SslServerAuthenticationOptions
            {
                ServerCertificateContext = certificate.Context,
                ApplicationProtocols = Entry.Http2 ? Http2Protocols : Http11Protocols,
                ClientCertificateRequired = false,
                AllowRenegotiation = false,
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            });
            if (Entry.Clients == ProxyClients.Mesh)
            {
                // The chain to the mesh root is built by the TLS stack under the bundle's policy (no downloads, no
                // revocation fetch); the callback adds the revoked-serial lookup. A refusal fails the handshake, so
                // a revoked machine never reaches the backend.
                options.ClientCertificateRequired = true;
                options.CertificateChainPolicy = _meshTrust.Current.ChainPolicy;
                options.RemoteCertificateValidationCallback = _admitMeshClient;
            }

            await tls.AuthenticateAsServerAsync(options, linked.Token);
            return true;
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException or SocketException or OperationCanceledException or ObjectDisposedException or Win32Exception)
        {
            // Scanners, plain-HTTP clients, clients that distrust the CA: counted, logged at debug only.
            Counters.HandshakeFailed();
            LogHandshakeFailed(_logger, Entry.Name, ex.Message);
            return false;
        }
    }

    private bool AdmitMeshClient(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (_meshTrust.Current.Refusal(certificate, errors) is not { } refusal)
        {
            return true;
        }

        Counters.ClientRefused();
        if (certificate is null)
        {
            LogHandshakeFailed(_logger, Entry.Name, refusal);
        }
        else
        {
            LogClientRefused(_logger, Entry.Name, certificate.Subject, certificate.GetSerialNumberString(), refusal);
        }

        return false;
    }

    // Backend down: tell the client at once (close_notify, then FIN) rather than leaving it waiting.
    private static async Task CloseGracefullyAsync(SslStream tls)
    {
        try
        {
            await tls.ShutdownAsync();
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or InvalidOperationException)
        {
        }
    }

    private async Task CheckBackendAsync()
    {
        if (Status.State != ListenerState.Listening
            || Backend.SucceededWithin(_options.BackendCheckInterval)
            || Interlocked.Exchange(ref _checkingBackend, 1) != 0)
        {
            return;
        }

        try
        {
            using var socket = await _connector.ConnectAsync(_stopping.Token);
            BackendReached();
        }
        catch (BackendUnavailableException ex)
        {
            BackendMissed(ex.Message);
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
        {
        }
        catch (Exception ex)
        {
            // Started without anyone awaiting it: log what would otherwise vanish; the next check tries again.
            LogBackendCheckFailed(_logger, Entry.Name, ex);
        }
        finally
        {
            Volatile.Write(ref _checkingBackend, 0);
        }
    }

    private void BackendReached()
    {
        if (Backend.Reached())
        {
            LogBackendUp(_logger, Entry.Name, Entry.Backend);
            _events.Publish(CapabilityNames.Proxy, "backend_up", new ProxyBackendEvent(Entry.Name, Entry.Backend));
            _changed();
        }
    }

    private void BackendMissed(string reason)
    {
        RecordError($"backend {Entry.Backend}: {reason}");
        if (Backend.Missed(reason))
        {
            LogBackendDown(_logger, Entry.Name, Entry.Backend, reason);
            _events.Publish(CapabilityNames.Proxy, "backend_down", new ProxyBackendEvent(Entry.Name, Entry.Backend, reason));
            _changed();
        }
    }

    private void OnCertificateLoaded(LoadedCertificate certificate)
    {
        _events.Publish(CapabilityNames.Proxy, "certificate_loaded", new ProxyCertificateEvent(Entry.Name, certificate.Serial, certificate.NotAfter));
        Interlocked.Exchange(ref _wake, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    private async Task PauseAsync(CancellationToken token)
    {
        var wake = Volatile.Read(ref _wake).Task;
        try
        {
            await Task.WhenAny(Task.Delay(_options.BindRetry, _time, token), wake).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
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

    private void CloseSocket()
    {
        Socket? socket;
        lock (_gate)
        {
            socket = _socket;
            _socket = null;
        }

        socket?.Dispose();
    }
}
