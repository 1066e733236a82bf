using System.Buffers.Binary;

namespace Koi.Dns.Protocol.Wire;

/// <summary>
/// Writes into a fixed-size buffer. Running out of room does not throw: the writer stops writing and sets
/// <see cref="Overflowed"/>, and <see cref="TryEndEntry"/> rolls the whole question or record back, compression
/// targets included, so the caller can set TC or start another packet.
/// </summary>
internal sealed class DnsWireWriter
{
    // A pointer has 14 bits of offset.
    private const int MaxPointerTarget = 0x3FFF;

    private readonly Dictionary<DnsName, int> _nameOffsets = new(DnsNameOrdinalComparer.Instance);
    private readonly List<DnsName> _namesInEntry = [];
    private Memory<byte> _buffer;
    private int _position;
    private int _entryStart;

    public DnsWireWriter(Memory<byte> buffer, DnsCompressionMode compression)
    {
        _buffer = buffer;
        Compression = compression;
    }

    public DnsCompressionMode Compression { get; private set; }

    public int Position => _position;

    public bool Overflowed { get; private set; }

    public void Reset(Memory<byte> buffer, DnsCompressionMode compression)
    {
        _buffer = buffer;
        Compression = compression;
        _position = 0;
        _entryStart = 0;
        Overflowed = false;
        _nameOffsets.Clear();
        _namesInEntry.Clear();
    }

    public void Skip(int count)
    {
        _ = TryTake(count, out _);
    }

    public void WriteByte(byte value)
    {
        if (TryTake(1, out var span))
        {
            span[0] = value;
        }
    }

    public void WriteUInt16(ushort value)
    {
        if (TryTake(2, out var span))
        {
            BinaryPrimitives.WriteUInt16BigEndian(span, value);
        }
    }

    public void WriteUInt32(uint value)
    {
        if (TryTake(4, out var span))
        {
            BinaryPrimitives.WriteUInt32BigEndian(span, value);
        }
    }

    public void WriteBytes(ReadOnlySpan<byte> bytes)
    {
        if (TryTake(bytes.Length, out var span))
        {
            bytes.CopyTo(span);
        }
    }

    public void PatchUInt16(int offset, ushort value)
    {
        if (!Overflowed)
        {
            BinaryPrimitives.WriteUInt16BigEndian(_buffer.Span[offset..], value);
        }
    }

    /// <summary>Owner names and names in RFC 1035 rdata: compressed unless compression is off.</summary>
    public void WriteName(DnsName name) => WriteName(name, Compression != DnsCompressionMode.None);

    /// <summary>SRV targets and NSEC next names: compressed only in Multicast DNS (RFC 6762 §18.14).</summary>
    public void WriteNameCompressibleOnlyInMulticast(DnsName name) => WriteName(name, Compression == DnsCompressionMode.Multicast);

    public void BeginEntry()
    {
        _entryStart = _position;
        _namesInEntry.Clear();
    }

    /// <summary>True when the entry fit; otherwise undoes it and leaves the writer as <see cref="BeginEntry"/> found it.</summary>
    public bool TryEndEntry()
    {
        if (!Overflowed)
        {
            return true;
        }

        foreach (var name in _namesInEntry)
        {
            _nameOffsets.Remove(name);
        }

        _namesInEntry.Clear();
        _position = _entryStart;
        Overflowed = false;
        return false;
    }

    private void WriteName(DnsName name, bool compress)
    {
        var wire = name.Wire;
        var offset = 0;
        // Parents are cached by the name, so writing a long-lived name (a zone's) allocates nothing.
        var suffix = name;
        while (wire[offset] != 0)
        {
            if (Compression != DnsCompressionMode.None)
            {
                if (compress && _nameOffsets.TryGetValue(suffix, out var target))
                {
                    WriteUInt16((ushort)(0xC000 | target));
                    return;
                }

                // Names written in full are still targets for later names, whatever their own compression rule.
                if (_position <= MaxPointerTarget && !Overflowed && _nameOffsets.TryAdd(suffix, _position))
                {
                    _namesInEntry.Add(suffix);
                }
            }

            var labelLength = wire[offset] + 1;
            WriteBytes(wire.Slice(offset, labelLength));
            offset += labelLength;
            suffix = suffix.Parent;
        }

        WriteByte(0);
    }

    private bool TryTake(int count, out Span<byte> span)
    {
        if (Overflowed || count > _buffer.Length - _position)
        {
            Overflowed = true;
            span = default;
            return false;
        }

        span = _buffer.Span.Slice(_position, count);
        _position += count;
        return true;
    }
}
