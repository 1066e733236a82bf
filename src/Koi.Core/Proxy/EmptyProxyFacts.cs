namespace Koi.Core.Proxy;

/// <summary>The proxy facts of a daemon without the proxy: none.</summary>
public sealed class EmptyProxyFacts : IProxyFacts
{
    public IReadOnlyList<ProxyEntryFacts> Entries() => [];
}
