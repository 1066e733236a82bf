using Koi.Core.Naming;

namespace Koi.Mdns.Api;

/// <summary>
/// Lets other capabilities announce what they offer (DNS its resolver, certmesh its CA) without knowing mDNS exists.
/// The engine is started before any later capability starts (hosted services start in order, mDNS first).
/// </summary>
internal sealed class MdnsServiceAdvertiser(MdnsEngine engine) : IServiceAdvertiser
{
    public async Task<IAsyncDisposable> AdvertiseAsync(AdvertisedService service, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(service);
        var registration = await engine.RegisterAsync(
            new ServiceRegistration { Name = service.Name, Type = service.Type, Port = service.Port, Txt = service.Txt },
            cancellationToken);
        return new Advertisement(engine, registration.Id);
    }

    private sealed class Advertisement(MdnsEngine engine, string id) : IAsyncDisposable
    {
        private int _withdrawn;

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _withdrawn, 1) == 0)
            {
                await engine.UnregisterAsync(id);
            }
        }
    }
}
