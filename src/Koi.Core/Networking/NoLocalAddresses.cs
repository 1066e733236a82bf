using System.Net;

namespace Koi.Core.Networking;

/// <summary>What capabilities see when mDNS is switched off: no watched addresses and no change ever.</summary>
public sealed class NoLocalAddresses : ILocalAddresses
{
    public IReadOnlyList<IPAddress> Current => [];

    public event EventHandler? Changed
    {
        add { }
        remove { }
    }
}
