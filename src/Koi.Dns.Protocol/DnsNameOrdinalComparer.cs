namespace Koi.Dns.Protocol;

/// <summary>
/// Byte-exact name equality. The writer compresses with it so that a pointer never changes the case of the name it
/// replaces: "My App" must not come out as "my app" because a lower-case spelling was written earlier.
/// </summary>
internal sealed class DnsNameOrdinalComparer : IEqualityComparer<DnsName>
{
    public static DnsNameOrdinalComparer Instance { get; } = new();

    public bool Equals(DnsName? x, DnsName? y) =>
        ReferenceEquals(x, y) || (x is not null && y is not null && x.Wire.SequenceEqual(y.Wire));

    public int GetHashCode(DnsName obj)
    {
        var hash = default(HashCode);
        hash.AddBytes(obj.Wire);
        return hash.ToHashCode();
    }
}
