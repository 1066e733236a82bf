namespace Koi.Mdns.Caching;

internal enum CacheUpdateKind
{
    /// <summary>Already cached with the same data; only the TTL was renewed.</summary>
    Renewed,

    /// <summary>New to the cache.</summary>
    Added,

    /// <summary>A goodbye for a cached record, which now expires in one second.</summary>
    Goodbye,

    /// <summary>Not cached: a goodbye for something unknown, or the cache refused it.</summary>
    Ignored,
}
