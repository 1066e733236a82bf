using Koi.Core.Proxy;

namespace Koi.Proxy.Facts;

/// <summary>The proxy's entries as other capabilities see them (<see cref="IProxyFacts"/>), read from memory.</summary>
internal sealed class ProxyFacts(ProxyService proxy) : IProxyFacts
{
    public IReadOnlyList<ProxyEntryFacts> Entries() => proxy.Facts();
}
