using System.Diagnostics.CodeAnalysis;

namespace Koi.Core.Trust;

/// <summary>
/// A set of certificate serial numbers (big-endian bytes, as in the certificate's DER). Looking one up takes a span,
/// so the check during a TLS handshake hashes the serial in place and allocates nothing.
/// </summary>
public sealed class SerialSet
{
    private readonly HashSet<byte[]> _serials;
    private readonly HashSet<byte[]>.AlternateLookup<ReadOnlySpan<byte>> _lookup;

    public SerialSet(IEnumerable<byte[]> serials)
    {
        _serials = new HashSet<byte[]>(Comparer.Instance);
        foreach (var serial in serials)
        {
            _serials.Add(Normalize(serial).ToArray());
        }

        _lookup = _serials.GetAlternateLookup<ReadOnlySpan<byte>>();
    }

    public static SerialSet Empty { get; } = new([]);

    public int Count => _serials.Count;

    public bool Contains(ReadOnlySpan<byte> serial) => _lookup.Contains(Normalize(serial));

    /// <summary>Parses hex serials as koi writes them (any case, no separators).</summary>
    public static SerialSet FromHex(IEnumerable<string> serials) => new(serials.Select(Convert.FromHexString));

    // DER INTEGERs carry a leading zero when the top bit is set; the same serial must match with or without it.
    private static ReadOnlySpan<byte> Normalize(ReadOnlySpan<byte> serial)
    {
        var start = 0;
        while (start < serial.Length - 1 && serial[start] == 0)
        {
            start++;
        }

        return serial[start..];
    }

    private sealed class Comparer : IEqualityComparer<byte[]>, IAlternateEqualityComparer<ReadOnlySpan<byte>, byte[]>
    {
        public static readonly Comparer Instance = new();

        public bool Equals(byte[]? x, byte[]? y) => x is not null && y is not null && x.AsSpan().SequenceEqual(y);

        public int GetHashCode([DisallowNull] byte[] obj) => GetHashCode((ReadOnlySpan<byte>)obj);

        public bool Equals(ReadOnlySpan<byte> alternate, byte[] other) => alternate.SequenceEqual(other);

        public int GetHashCode(ReadOnlySpan<byte> alternate)
        {
            var hash = new HashCode();
            hash.AddBytes(alternate);
            return hash.ToHashCode();
        }

        public byte[] Create(ReadOnlySpan<byte> alternate) => alternate.ToArray();
    }
}
