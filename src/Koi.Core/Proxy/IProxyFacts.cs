namespace Koi.Core.Proxy;

/// <summary>
/// What the proxy knows about each of its entries right now: is it listening, is its backend reachable, how many
/// connections failed on the backend. The proxy implements it; health (or anyone) reads it without knowing the proxy
/// exists. <see cref="EmptyProxyFacts"/> stands in while there is no proxy.
/// </summary>
public interface IProxyFacts
{
    IReadOnlyList<ProxyEntryFacts> Entries();
}
