using System.Collections.Frozen;
using System.Text;
using Koi.Proxy.Listening;

namespace Koi.Proxy.Routing;

/// <summary>
/// The entries of one listening port, replaced as a whole when one is added or removed (readers never lock). One entry
/// serves every client whatever name it asked for, as a port always did; several are chosen by the client's SNI
/// among their <see cref="ServedNames"/>, and a name none of them serves gets no entry.
/// </summary>
internal sealed class PortRoutes
{
    // RFC 1035 §2.3.4: a name is at most 255 octets.
    private const int MaxName = 255;

    private readonly FrozenDictionary<string, ProxyListener> _byName;
    private readonly FrozenDictionary<string, ProxyListener>.AlternateLookup<ReadOnlySpan<char>> _bySpan;

    public static readonly PortRoutes Empty = new([]);

    public PortRoutes(IReadOnlyList<ProxyListener> entries)
    {
        Entries = entries;
        _byName = entries.Count <= 1
            ? FrozenDictionary<string, ProxyListener>.Empty
            : entries.SelectMany(e => e.ServedNames.Select(n => KeyValuePair.Create(n, e))).ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
        _bySpan = _byName.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public IReadOnlyList<ProxyListener> Entries { get; }

    /// <summary>The one entry of the port, which takes every client; null when the port is shared (or empty).</summary>
    public ProxyListener? Single => Entries.Count == 1 ? Entries[0] : null;

    public PortRoutes With(ProxyListener entry) => new([.. Entries, entry]);

    public PortRoutes Without(ProxyListener entry) => new([.. Entries.Where(e => e != entry)]);

    /// <summary>The entry serving <paramref name="name"/> (as sent in SNI: ASCII bytes), or null. Allocates nothing.</summary>
    public ProxyListener? Find(ReadOnlySpan<byte> name)
    {
        if (name.Length is 0 or > MaxName)
        {
            return null;
        }

        Span<char> chars = stackalloc char[MaxName];
        if (Ascii.ToUtf16(name, chars, out var written) != System.Buffers.OperationStatus.Done)
        {
            return null;
        }

        return _bySpan.TryGetValue(chars[..written], out var entry) ? entry : null;
    }
}
