using System.Diagnostics.CodeAnalysis;

namespace Koi.Dns.Protocol;

/// <summary>
/// DNS name equality ignoring ASCII case (RFC 4343), the same as <see cref="DnsName.Equals(DnsName?)"/>, that can also
/// look a name up by its uncompressed wire form straight from a packet: a dictionary built with it answers
/// <c>GetAlternateLookup&lt;ReadOnlySpan&lt;byte&gt;&gt;()</c> without a <see cref="DnsName"/> being allocated.
/// </summary>
public sealed class DnsNameComparer : IEqualityComparer<DnsName>, IAlternateEqualityComparer<ReadOnlySpan<byte>, DnsName>
{
    private DnsNameComparer()
    {
    }

    public static DnsNameComparer IgnoreCase { get; } = new();

    public bool Equals(DnsName? x, DnsName? y) => x is null ? y is null : x.Equals(y);

    public int GetHashCode([DisallowNull] DnsName obj) => obj.GetHashCode();

    /// <param name="alternate">A name in uncompressed wire form, root label included.</param>
    public bool Equals(ReadOnlySpan<byte> alternate, DnsName other) =>
        other is not null && DnsNameComparison.EqualsIgnoreCase(alternate, other.Wire);

    public int GetHashCode(ReadOnlySpan<byte> alternate) => DnsName.HashOfWire(alternate);

    public DnsName Create(ReadOnlySpan<byte> alternate) =>
        DnsWireNames.Length(alternate, 0) == alternate.Length
            ? new DnsName(alternate.ToArray(), 0)
            : throw new ArgumentException("Not one uncompressed name in wire form.", nameof(alternate));
}
