namespace Koi.Dns.Settings;

/// <summary>Everything the DNS capability persists, in one file so settings and entries change atomically together.</summary>
internal sealed record DnsState
{
    public DnsSettings Settings { get; init; } = new();

    public IReadOnlyList<StaticEntry> Entries { get; init; } = [];
}
