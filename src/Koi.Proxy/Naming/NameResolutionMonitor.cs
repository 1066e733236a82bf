using System.Collections.Concurrent;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace Koi.Proxy.Naming;

/// <summary>One name's last resolution through this machine's resolver.</summary>
/// <param name="Resolves">It resolved to an address of this machine.</param>
/// <param name="Detail">What it resolved to, or why it did not, for people.</param>
internal sealed record NameCheck(bool Resolves, string Detail, DateTimeOffset At);

/// <summary>
/// Checks in the background, every <see cref="ProxyOptions.NameCheckInterval"/> and soon after an entry is added,
/// that the names users are told to type (<c>grafana.lan</c>) resolve to this machine through the local resolver — the
/// way a browser here would look them up. Status reads the last answers from memory; no lookup is ever made on a
/// client's connection or a status request, and each lookup is bounded by <see cref="ProxyOptions.NameCheckTimeout"/>.
/// </summary>
internal sealed class NameResolutionMonitor : IAsyncDisposable
{
    private readonly Func<IReadOnlyList<string>> _names;
    private readonly Func<string, CancellationToken, Task<IPAddress[]>> _resolve;
    private readonly ProxyOptions _options;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, NameCheck> _results = new(StringComparer.OrdinalIgnoreCase);
    private readonly CancellationTokenSource _stopping = new();
    private readonly ITimer _timer;
    private int _running;

    public NameResolutionMonitor(Func<IReadOnlyList<string>> names, ProxyOptions options, TimeProvider time)
    {
        _names = names;
        _resolve = options.ResolveName ?? ((name, ct) => Dns.GetHostAddressesAsync(name, ct));
        _options = options;
        _time = time;
        _timer = time.CreateTimer(_ => _ = CheckAllAsync(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public void Start() => _timer.Change(TimeSpan.Zero, _options.NameCheckInterval);

    /// <summary>Checks again now (an entry was added); the periodic checks go on as before.</summary>
    public void Nudge() => _ = CheckAllAsync();

    /// <summary>The last answer for <paramref name="name"/>, or null before the first.</summary>
    public NameCheck? Result(string name) => _results.GetValueOrDefault(name);

    public async ValueTask DisposeAsync()
    {
        await _timer.DisposeAsync();
        await _stopping.CancelAsync();
    }

    private async Task CheckAllAsync()
    {
        if (Interlocked.Exchange(ref _running, 1) != 0)
        {
            return;
        }

        try
        {
            var names = _names();
            foreach (var stale in _results.Keys.Except(names, StringComparer.OrdinalIgnoreCase).ToList())
            {
                _results.TryRemove(stale, out _);
            }

            HashSet<IPAddress>? local = null;
            foreach (var name in names)
            {
                local ??= LocalAddresses();
                _results[name] = await CheckAsync(name, local);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
        {
        }
        finally
        {
            Volatile.Write(ref _running, 0);
        }
    }

    private async Task<NameCheck> CheckAsync(string name, HashSet<IPAddress> local)
    {
        using var timeout = new CancellationTokenSource(_options.NameCheckTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, _stopping.Token);
        try
        {
            var addresses = await _resolve(name, linked.Token);
            var now = _time.GetUtcNow();
            if (addresses.Length == 0)
            {
                return new NameCheck(false, $"{name} has no address", now);
            }

            var mine = addresses.Where(a => local.Contains(Plain(a))).ToList();
            var text = string.Join(", ", addresses.Select(Plain));
            return mine.Count > 0
                ? new NameCheck(true, $"{name} resolves to {text}", now)
                : new NameCheck(false, $"{name} resolves to {text}, not to this machine", now);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            return new NameCheck(false, $"{name}: no answer from the resolver within {_options.NameCheckTimeout.TotalSeconds:0.#} s", _time.GetUtcNow());
        }
        catch (SocketException ex)
        {
            return new NameCheck(false, $"{name} does not resolve here ({ex.Message}); is a koi DNS server of the LAN this machine's resolver?", _time.GetUtcNow());
        }
    }

    private static IPAddress Plain(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    /// <summary>Every address of this machine's interfaces, loopback included (read per round, off the hot path).</summary>
    private static HashSet<IPAddress> LocalAddresses()
    {
        var addresses = new HashSet<IPAddress> { IPAddress.Loopback, IPAddress.IPv6Loopback };
        try
        {
            foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
            {
                foreach (var unicast in nic.GetIPProperties().UnicastAddresses)
                {
                    addresses.Add(unicast.Address);
                }
            }
        }
        catch (NetworkInformationException)
        {
        }

        return addresses;
    }
}
