namespace Koi.Core.Discovery;

/// <summary>
/// Asks the network whether a discovered service is still there (RFC 6762 §10.4). The mDNS capability implements it:
/// the service's records are queried again and, when nobody answers within ten seconds, flushed — so a machine that
/// vanished without a goodbye is known gone in seconds rather than when its records' TTLs run out. Health uses it for
/// machines silent for 60 s.
/// </summary>
public interface IServiceReconfirmer
{
    /// <summary>Starts reconfirming <paramref name="instanceFullName"/> (e.g. <c>stone-b._koi._tcp.local</c>); false when it is not cached.</summary>
    bool Reconfirm(string instanceFullName);
}
