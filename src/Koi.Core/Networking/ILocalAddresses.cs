using System.Net;

namespace Koi.Core.Networking;

/// <summary>
/// This machine's LAN addresses as mDNS uses them, and a signal when they change (an address added or removed, an
/// interface down or up). Certmesh reads it to put the current addresses in a member's certificate.
/// </summary>
public interface ILocalAddresses
{
    /// <summary>The addresses of the interfaces in use now, IPv4 first; empty while none is usable.</summary>
    IReadOnlyList<IPAddress> Current { get; }

    /// <summary>Raised after <see cref="Current"/> changed, on a background thread; handlers must not block.</summary>
    event EventHandler? Changed;
}
