using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Koi.Core.Discovery;

namespace Koi.Dns.Tests.Support;

/// <summary>An mDNS registry the test fills by hand; watchers see each change.</summary>
internal sealed class FakeServiceDirectory : IServiceDirectory
{
    private readonly Lock _gate = new();
    private readonly List<DiscoveredService> _services = [];
    private readonly List<Channel<ServiceChange>> _watchers = [];
    private bool _broken;

    public static DiscoveredService Service(string instance, string type, string host, int port, params string[] addresses) => new(
        instance,
        type,
        $"{instance}.{type}.local",
        $"{host}.local",
        port,
        addresses.Select(IPAddress.Parse).ToList(),
        new Dictionary<string, string> { ["path"] = "/" },
        DateTimeOffset.UnixEpoch,
        DateTimeOffset.UnixEpoch,
        IsResolved: true,
        IsStale: false);

    public void Add(DiscoveredService service)
    {
        lock (_gate)
        {
            _services.RemoveAll(s => s.FullName == service.FullName);
            _services.Add(service);
            foreach (var watcher in _watchers)
            {
                watcher.Writer.TryWrite(new ServiceChange(ServiceChangeKind.Resolved, service));
            }
        }
    }

    /// <summary>What an mDNS engine that stops does to its watchers: every watch fails, new ones too, until <see cref="Repair"/>.</summary>
    public void Break()
    {
        lock (_gate)
        {
            _broken = true;
            foreach (var watcher in _watchers)
            {
                watcher.Writer.TryComplete(new InvalidOperationException("mDNS engine stopped"));
            }

            _watchers.Clear();
        }
    }

    public void Repair()
    {
        lock (_gate)
        {
            _broken = false;
        }
    }

    public IReadOnlyList<DiscoveredService> Services(string? serviceType = null)
    {
        lock (_gate)
        {
            return _services.Where(s => serviceType is null || s.Type == serviceType).ToList();
        }
    }

    public DiscoveredService? Find(string fullName)
    {
        lock (_gate)
        {
            return _services.FirstOrDefault(s => s.FullName == fullName);
        }
    }

    public async IAsyncEnumerable<ServiceChange> WatchAsync(string? serviceType, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = Channel.CreateUnbounded<ServiceChange>();
        lock (_gate)
        {
            if (_broken)
            {
                throw new InvalidOperationException("mDNS engine stopped");
            }

            // As the mDNS engine replays its cache to a new watch: each known instance found, and resolved if it is.
            // (Found alone made the zone ignore a service added between its first build and its watch's start.)
            foreach (var service in _services)
            {
                channel.Writer.TryWrite(new ServiceChange(ServiceChangeKind.Found, service));
                if (service.IsResolved)
                {
                    channel.Writer.TryWrite(new ServiceChange(ServiceChangeKind.Resolved, service));
                }
            }

            _watchers.Add(channel);
        }

        await foreach (var change in channel.Reader.ReadAllAsync(cancellationToken))
        {
            yield return change;
        }
    }
}
