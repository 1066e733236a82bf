using System.Net;
using System.Net.Sockets;
using Koi.Core.Errors;
using Koi.Proxy.Listening;
using Koi.Proxy.Transport;

namespace Koi.Proxy.Backends;

/// <summary>
/// Opens connections to one entry's backend. Names are resolved at most once per <see cref="ProxyOptions.BackendResolveTtl"/>
/// (and again after a failure), and every resolution goes through <see cref="BackendRule"/>.
/// </summary>
internal sealed class BackendConnector(
    BackendTarget target,
    bool remote,
    Func<string, CancellationToken, Task<IPAddress[]>> resolve,
    ProxyOptions options,
    TimeProvider time)
{
    private readonly Lock _gate = new();
    private IPAddress[]? _addresses;
    private long _resolvedAt;

    public BackendTarget Target => target;

    /// <summary>A connected socket (Nagle off), or <see cref="BackendUnavailableException"/> saying why not.</summary>
    public ValueTask<LoopSocket> ConnectAsync(CancellationToken ct) => ConnectAsync(null, null, ct);

    /// <param name="loop">The loop the client's socket is on, so both sides of a connection share one thread; null for .NET's engine.</param>
    /// <param name="deadline">
    /// The client connection's deadline (cancelled too when <paramref name="ct"/> is), re-armed with the connect timeout
    /// for the attempt: no timer and linked source of its own per client connection. Null, or spent by an address that
    /// did not answer: each attempt gets its own.
    /// </param>
    public async ValueTask<LoopSocket> ConnectAsync(SocketLoop? loop, ConnectionDeadline? deadline, CancellationToken ct)
    {
        var addresses = await AddressesAsync(ct);
        var failure = "no address to connect to";
        foreach (var address in addresses)
        {
            CancellationTokenSource? timeout = null;
            CancellationTokenSource? linked = null;
            CancellationToken token;
            if (deadline is not null && !deadline.Token.IsCancellationRequested)
            {
                deadline.Rearm(options.BackendConnectTimeout);
                token = deadline.Token;
            }
            else
            {
                timeout = new CancellationTokenSource(options.BackendConnectTimeout, time);
                linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, ct);
                token = linked.Token;
            }

            try
            {
                return await LoopSockets.ConnectAsync(new IPEndPoint(address, target.Port), loop, token);
            }
            catch (SocketException ex)
            {
                failure = $"{Describe(ex.SocketErrorCode)} ({address}:{target.Port})";
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                failure = $"no answer within {options.BackendConnectTimeout.TotalSeconds:0.#}s ({address}:{target.Port})";
            }
            finally
            {
                linked?.Dispose();
                timeout?.Dispose();
            }
        }

        Forget();
        throw new BackendUnavailableException(failure);
    }

    private async ValueTask<IPAddress[]> AddressesAsync(CancellationToken ct)
    {
        lock (_gate)
        {
            if (_addresses is not null && time.GetElapsedTime(_resolvedAt) < options.BackendResolveTtl)
            {
                return _addresses;
            }
        }

        IPAddress[] resolved;
        try
        {
            resolved = await BackendRule.ResolveAsync(target, resolve, ct);
        }
        catch (KoiException ex)
        {
            throw new BackendUnavailableException(ex.Message);
        }

        var permitted = BackendRule.Permitted(resolved, remote);
        if (BackendRule.DaemonApiProblem(target, permitted, options.DaemonApiPort) is { } own)
        {
            // An entry added before this rule, or a hand-edited file: never forwarded to, whatever it says.
            throw new BackendUnavailableException(own);
        }
        if (permitted.Length == 0)
        {
            throw new BackendUnavailableException(resolved.Length == 0
                ? $"backend host '{target.Host}' does not resolve"
                : $"backend host '{target.Host}' now resolves to {string.Join(", ", resolved.Select(a => a.ToString()))}, not a loopback address; refused (the entry has no --backend-remote)");
        }

        lock (_gate)
        {
            _addresses = permitted;
            _resolvedAt = time.GetTimestamp();
        }

        return permitted;
    }

    private void Forget()
    {
        lock (_gate)
        {
            _addresses = null;
        }
    }

    private static string Describe(SocketError error) => error switch
    {
        SocketError.ConnectionRefused => "connection refused",
        SocketError.HostUnreachable or SocketError.NetworkUnreachable => "unreachable",
        SocketError.TimedOut => "timed out",
        SocketError.AddressNotAvailable => "address not available",
        _ => error.ToString(),
    };
}
