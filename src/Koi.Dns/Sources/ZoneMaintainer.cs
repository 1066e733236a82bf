using System.Net;
using System.Threading.Channels;
using Koi.Core.Discovery;
using Koi.Core.Naming;
using Koi.Core.Status;
using Koi.Dns.Settings;
using Koi.Dns.Zone;
using Microsoft.Extensions.Logging;

namespace Koi.Dns.Sources;

/// <summary>
/// Keeps the zone snapshot in step with its sources: static entries (rebuilt at once when they change), the certmesh
/// roster (its Changed event) and the mDNS registry (a watch on every service type). Changes that arrive together are
/// coalesced into one rebuild. Also the SAN feedback source: the aliases of the latest snapshot.
/// </summary>
internal sealed partial class ZoneMaintainer : IMemberAliasSource, IAsyncDisposable
{
    private static readonly TimeSpan WatchRetryDelay = TimeSpan.FromSeconds(5);

    // How long mDNS changes are gathered into one rebuild; a name from mDNS appears in the zone this much later.
    private static readonly TimeSpan MdnsSettle = TimeSpan.FromMilliseconds(250);

    // How long a re-established mDNS watch must run without failing before status stops reporting the failure.
    private static readonly TimeSpan WatchSettle = TimeSpan.FromSeconds(1);

    private int _disposed;
    private readonly DnsStateStore _store;
    private readonly IMemberDirectory _members;
    private readonly IServiceDirectory? _services;
    private readonly Func<IReadOnlyList<IPAddress>> _serverAddresses;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ComponentHealth _health;
    private readonly Channel<bool> _requests = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly Lock _rebuildGate = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _tasks = [];
    private volatile string? _watchProblem;
    private HashSet<ShadowedName> _reportedShadows = [];
    private uint _serial;

    public ZoneMaintainer(
        DnsStateStore store,
        IMemberDirectory members,
        IServiceDirectory? services,
        Func<IReadOnlyList<IPAddress>> serverAddresses,
        ComponentHealth health,
        TimeProvider time,
        ILogger logger)
    {
        _store = store;
        _members = members;
        _services = services;
        _serverAddresses = serverAddresses;
        _health = health;
        _time = time;
        _logger = logger;
        _serial = (uint)time.GetUtcNow().ToUnixTimeSeconds();
        Holder = new ZoneHolder(ZoneSnapshot.Empty(store.Current.Settings.Zone));
    }

    public ZoneHolder Holder { get; }

    public bool WatchesMdns => _services is not null;

    public event EventHandler? Changed;

    public IReadOnlyList<string> AliasesFor(string memberHostname) =>
        Holder.Current.MemberAliases.GetValueOrDefault(memberHostname.ToLowerInvariant()) ?? [];

    public void Start()
    {
        Rebuild();
        _members.Changed += OnMembersChanged;
        _tasks.Add(Task.Run(RebuildLoopAsync));
        if (_services is not null)
        {
            _tasks.Add(Task.Run(WatchMdnsAsync));
        }
    }

    /// <summary>Asks for a rebuild soon; many requests before it runs make one rebuild.</summary>
    public void RequestRebuild() => _requests.Writer.TryWrite(true);

    /// <summary>Rebuilds now, on the caller's thread: after <c>koi dns add</c> the next query must see the name.</summary>
    public ZoneSnapshot Rebuild()
    {
        lock (_rebuildGate)
        {
            try
            {
                var state = _store.Current;
                var snapshot = ZoneBuilder.Build(new ZoneInputs
                {
                    Zone = state.Settings.Zone,
                    Serial = ++_serial,
                    Static = state.Entries,
                    Members = _members.Members(),
                    ScopeDomain = _members.ScopeDomain,
                    Services = _services?.Services() ?? [],
                    ServiceAliases = state.Settings.ServiceAliases,
                    ServerAddresses = _serverAddresses(),
                });
                var previous = Holder.Current;
                Holder.Swap(snapshot);
                ReportShadows(snapshot);
                if (_watchProblem is { } problem)
                {
                    _health.Failed(problem);
                }
                else
                {
                    _health.Running(Describe(snapshot));
                }

                if (!SameAliases(previous, snapshot))
                {
                    Changed?.Invoke(this, EventArgs.Empty);
                }

                return snapshot;
            }
            catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidOperationException)
            {
                // The previous snapshot keeps answering; status says why the zone is not current.
                _health.Failed($"rebuild failed: {ex.Message}");
                RebuildFailed(_logger, ex);
                return Holder.Current;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Both the hosted service and the container dispose the DNS service; the second call must be harmless.
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _members.Changed -= OnMembersChanged;
        _requests.Writer.TryComplete();
        await _stop.CancelAsync();
        await Task.WhenAll(_tasks);
        _stop.Dispose();
    }

    private void OnMembersChanged(object? sender, EventArgs e) => RequestRebuild();

    private async Task RebuildLoopAsync()
    {
        try
        {
            while (await _requests.Reader.WaitToReadAsync(_stop.Token))
            {
                _requests.Reader.TryRead(out _);
                try
                {
                    Rebuild();
                }
                catch (Exception ex)
                {
                    // Not expected (a bug in a source or the builder): the loop must outlive it, or the zone would
                    // silently stop following the roster and mDNS. The previous snapshot keeps answering.
                    _health.Failed($"rebuild failed unexpectedly: {ex.GetType().Name}: {ex.Message}");
                    RebuildFailed(_logger, ex);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task WatchMdnsAsync()
    {
        var token = _stop.Token;
        while (!token.IsCancellationRequested)
        {
            try
            {
                await using var changes = _services!.WatchAsync(null, token).GetAsyncEnumerator(token);
                var next = changes.MoveNextAsync().AsTask();
                if (_watchProblem is not null)
                {
                    // Re-established once it runs a moment without failing (it may have nothing to say yet).
                    await Task.WhenAny(next, Task.Delay(WatchSettle, _time, token));
                    if (!next.IsFaulted && !next.IsCanceled)
                    {
                        _watchProblem = null;
                        RequestRebuild();
                    }
                }

                while (await next)
                {
                    // The zone holds resolved services only; a "found" is followed by "resolved" when it matters.
                    var affectsZone = changes.Current.Kind != ServiceChangeKind.Found;
                    next = changes.MoveNextAsync().AsTask();
                    if (!affectsZone)
                    {
                        continue;
                    }

                    // A machine announces its services in a burst, and each rebuild builds the whole zone (~160 KB
                    // of garbage with 50 services): one rebuild for what arrives within MdnsSettle, not one per
                    // service (docs/performance.md, "Native AOT").
                    await Task.Delay(MdnsSettle, _time, token);
                    while (next.IsCompletedSuccessfully && next.Result)
                    {
                        next = changes.MoveNextAsync().AsTask();
                    }

                    RequestRebuild();
                }
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // mDNS may be restarting; names already known stay in the zone while the watch is re-established,
                // and status says the zone may be missing mDNS changes meanwhile.
                _watchProblem = $"the mDNS watch failed ({ex.Message}); names from mDNS may be out of date; retrying every {WatchRetryDelay.TotalSeconds:0}s";
                _health.Failed(_watchProblem);
                WatchFailed(_logger, ex);
            }

            try
            {
                await Task.Delay(WatchRetryDelay, _time, token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private void ReportShadows(ZoneSnapshot snapshot)
    {
        var current = new HashSet<ShadowedName>(snapshot.Shadowed);
        foreach (var shadow in current)
        {
            if (!_reportedShadows.Contains(shadow))
            {
                StaticShadows(_logger, shadow.Name, shadow.Hidden.ToString().ToLowerInvariant());
            }
        }

        _reportedShadows = current;
    }

    private string Describe(ZoneSnapshot snapshot)
    {
        var counts = snapshot.NameCounts;
        var mdns = _services is null ? "mDNS off" : $"mdns {counts.GetValueOrDefault(ZoneSource.Mdns)}";
        return $"zone {snapshot.ZoneText}: static {counts.GetValueOrDefault(ZoneSource.Static)}, " +
               $"certmesh {counts.GetValueOrDefault(ZoneSource.Certmesh)}, {mdns}";
    }

    private static bool SameAliases(ZoneSnapshot a, ZoneSnapshot b)
    {
        if (a.MemberAliases.Count != b.MemberAliases.Count)
        {
            return false;
        }

        foreach (var (host, names) in a.MemberAliases)
        {
            if (!b.MemberAliases.TryGetValue(host, out var other) || !names.SequenceEqual(other, StringComparer.Ordinal))
            {
                return false;
            }
        }

        return true;
    }
}
