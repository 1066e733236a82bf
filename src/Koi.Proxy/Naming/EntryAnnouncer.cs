using Koi.Core.Naming;
using Koi.Core.Status;
using Koi.Proxy.Entries;
using Koi.Proxy.Routing;
using Microsoft.Extensions.Logging;

namespace Koi.Proxy.Naming;

/// <summary>
/// Gives entries their names on the LAN (docs/proxy.md, "Names"): each entry not added with <c>--no-alias</c> is announced
/// over mDNS as <c>_NAME._tcp</c> on its listen port — which every koi DNS server turns into <c>NAME.ZONE</c> and
/// <c>NAME-HOST.ZONE</c> — and its label is offered on the <see cref="ServiceNameBoard"/>, where certmesh picks it up
/// for this machine's certificate. Removing the entry withdraws both (an mDNS goodbye). Reports as <c>proxy/names</c>.
/// </summary>
internal sealed partial class EntryAnnouncer : IAsyncDisposable
{
    public const string BoardSource = "proxy";

    private readonly IServiceAdvertiser _advertiser;
    private readonly ServiceNameBoard _board;
    private readonly ComponentHealth _health;
    private readonly ILogger _logger;
    private readonly string _hostname;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<string, IAsyncDisposable> _announced = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, string> _failed = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, string> _labels = new(StringComparer.OrdinalIgnoreCase);

    public EntryAnnouncer(IServiceAdvertiser advertiser, ServiceNameBoard board, ComponentHealth health, string hostname, ILogger logger)
    {
        _advertiser = advertiser;
        _board = board;
        _health = health;
        _hostname = hostname;
        _logger = logger;
    }

    /// <summary>The DNS-SD service type an entry is announced as, e.g. <c>_grafana._tcp</c>.</summary>
    public static string ServiceTypeOf(string name) => $"_{name.ToLowerInvariant()}._tcp";

    /// <summary>What is known of the entry's announcement: announced, failed (why), or not announced (<c>--no-alias</c>).</summary>
    public EntryAnnouncement Of(ProxyEntry entry)
    {
        if (entry.NoAlias)
        {
            return new EntryAnnouncement(false, null, null);
        }

        lock (_labels)
        {
            return _failed.TryGetValue(entry.Name, out var problem)
                ? new EntryAnnouncement(false, ServiceTypeOf(entry.Name), problem)
                : new EntryAnnouncement(_labels.ContainsKey(entry.Name), ServiceTypeOf(entry.Name), null);
        }
    }

    public async Task AnnounceAsync(ProxyEntry entry, CancellationToken ct)
    {
        if (entry.NoAlias || ServedNames.AliasProblem(entry.Name) is not null)
        {
            return;
        }

        await _gate.WaitAsync(ct);
        try
        {
            if (_announced.ContainsKey(entry.Name))
            {
                return;
            }

            var service = new AdvertisedService($"{entry.Name} on {_hostname}", ServiceTypeOf(entry.Name), entry.ListenPort);
            try
            {
                _announced[entry.Name] = await _advertiser.AdvertiseAsync(service, ct);
                lock (_labels)
                {
                    _failed.Remove(entry.Name);
                    _labels[entry.Name] = entry.Name.ToLowerInvariant();
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                lock (_labels)
                {
                    _failed[entry.Name] = $"announcing {service.Type} failed: {ex.Message}";
                }

                LogAnnounceFailed(_logger, entry.Name, service.Type, ex);
            }

            Publish();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Reports the names' state once the saved entries were announced: with no entry (or only <c>--no-alias</c> ones)
    /// nothing else would, and the component would stay <c>starting</c> for the daemon's whole life.
    /// </summary>
    public async Task ReportAsync()
    {
        await _gate.WaitAsync();
        try
        {
            Publish();
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task WithdrawAsync(string name)
    {
        await _gate.WaitAsync();
        try
        {
            if (_announced.Remove(name, out var announcement))
            {
                await announcement.DisposeAsync();
            }

            lock (_labels)
            {
                _labels.Remove(name);
                _failed.Remove(name);
            }

            Publish();
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync();
        try
        {
            foreach (var announcement in _announced.Values)
            {
                await announcement.DisposeAsync();
            }

            _announced.Clear();
            _board.Offer(BoardSource, []);
            _health.Stopped("daemon stopping");
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Offers the announced labels on the board and reports the component's state. Under <see cref="_gate"/>.</summary>
    private void Publish()
    {
        List<string> labels;
        List<string> failed;
        lock (_labels)
        {
            labels = [.. _labels.Values];
            failed = [.. _failed.Select(f => $"{f.Key}: {f.Value}")];
        }

        _board.Offer(BoardSource, labels);
        if (failed.Count > 0)
        {
            _health.Failed(string.Join("; ", failed));
        }
        else if (_advertiser is NoServiceAdvertiser)
        {
            _health.Running(labels.Count == 0 ? "no names" : $"not announced: mDNS is off ({labels.Count} name{(labels.Count == 1 ? string.Empty : "s")} offered for the certificate)");
        }
        else
        {
            _health.Running(labels.Count == 0 ? "no names announced" : $"announcing {string.Join(", ", labels.Order(StringComparer.Ordinal).Select(ServiceTypeOf))}");
        }
    }
}

/// <param name="Announced">The entry is announced over mDNS and offered for the certificate.</param>
/// <param name="ServiceType">The service type it is (or would be) announced as; null with <c>--no-alias</c>.</param>
/// <param name="Problem">Why announcing failed; null otherwise.</param>
internal sealed record EntryAnnouncement(bool Announced, string? ServiceType, string? Problem);
