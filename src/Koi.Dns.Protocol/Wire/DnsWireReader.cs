using System.Buffers.Binary;

namespace Koi.Dns.Protocol.Wire;

/// <summary>
/// Bounds-checked reads over one packet. Every failure is a <see cref="DnsFormatException"/>. While a record's rdata is
/// being read, reads are confined to its RDLENGTH; compression pointers may still reach anywhere earlier in the packet.
/// </summary>
internal ref struct DnsWireReader
{
    // A name has at most 127 labels, so a sensible encoder never needs more pointers than that.
    private const int MaxPointersPerName = DnsName.MaxLength / 2;

    private readonly ReadOnlySpan<byte> _packet;
    private int _position;
    private int _limit;
    private bool _inRecordData;

    public DnsWireReader(ReadOnlySpan<byte> packet)
    {
        _packet = packet;
        _limit = packet.Length;
    }

    public readonly int Position => _position;

    /// <summary>Bytes left before the end of the packet, or of the rdata being read.</summary>
    public readonly int Remaining => _limit - _position;

    public byte ReadByte()
    {
        Require(1);
        return _packet[_position++];
    }

    public ushort ReadUInt16()
    {
        Require(2);
        var value = BinaryPrimitives.ReadUInt16BigEndian(_packet[_position..]);
        _position += 2;
        return value;
    }

    public uint ReadUInt32()
    {
        Require(4);
        var value = BinaryPrimitives.ReadUInt32BigEndian(_packet[_position..]);
        _position += 4;
        return value;
    }

    /// <summary>A view into the packet; copy it before keeping it, the caller's buffer will be reused.</summary>
    public ReadOnlySpan<byte> ReadBytes(int count)
    {
        Require(count);
        var bytes = _packet.Slice(_position, count);
        _position += count;
        return bytes;
    }

    /// <summary>Confines reads to the next <paramref name="length"/> bytes; returns what <see cref="EndRecordData"/> needs.</summary>
    public int BeginRecordData(int length)
    {
        Require(length);
        var outerLimit = _limit;
        _limit = _position + length;
        _inRecordData = true;
        return outerLimit;
    }

    public void EndRecordData(int outerLimit)
    {
        if (_position != _limit)
        {
            throw new DnsFormatException(DnsFormatError.RecordDataLengthMismatch, _position);
        }

        _limit = outerLimit;
        _inRecordData = false;
    }

    /// <summary>
    /// Reads a possibly compressed name (RFC 1035 §4.1.4). A pointer must land before the start of the run of labels it
    /// ends: before the name itself at first, then before the previous pointer's target. Targets therefore strictly
    /// decrease, which rules out loops, and the 255-byte limit and the pointer limit bound the work on each name.
    /// </summary>
    public DnsName ReadName()
    {
        Span<byte> name = stackalloc byte[DnsName.MaxLength];
        var length = 0;
        var cursor = _position;
        var end = _limit;
        var runStart = _position;
        var pointers = 0;
        while (true)
        {
            if (cursor >= end)
            {
                throw PastEnd(cursor, end);
            }

            var lengthByte = _packet[cursor];
            if (lengthByte == 0)
            {
                name[length++] = 0;
                if (pointers == 0)
                {
                    _position = cursor + 1;
                }

                return new DnsName(name[..length].ToArray(), 0);
            }

            switch (lengthByte & 0xC0)
            {
                case 0x00:
                    // This label, and the root label still to come, must fit.
                    if (length + 1 + lengthByte + 1 > DnsName.MaxLength)
                    {
                        throw new DnsFormatException(DnsFormatError.NameTooLong, cursor);
                    }

                    if (lengthByte + 1 > end - cursor)
                    {
                        throw PastEnd(cursor, end);
                    }

                    _packet.Slice(cursor, lengthByte + 1).CopyTo(name[length..]);
                    length += lengthByte + 1;
                    cursor += lengthByte + 1;
                    break;

                case 0xC0:
                    if (end - cursor < 2)
                    {
                        throw PastEnd(cursor, end);
                    }

                    var target = ((lengthByte & 0x3F) << 8) | _packet[cursor + 1];
                    if (target > cursor)
                    {
                        throw new DnsFormatException(DnsFormatError.ForwardCompressionPointer, cursor);
                    }

                    if (target >= runStart)
                    {
                        throw new DnsFormatException(DnsFormatError.CompressionPointerLoop, cursor);
                    }

                    if (++pointers > MaxPointersPerName)
                    {
                        throw new DnsFormatException(DnsFormatError.TooManyCompressionPointers, cursor);
                    }

                    if (pointers == 1)
                    {
                        _position = cursor + 2;
                    }

                    runStart = target;
                    cursor = target;
                    end = _packet.Length;
                    break;

                default:
                    throw new DnsFormatException(DnsFormatError.LabelTooLong, cursor);
            }
        }
    }

    private readonly void Require(int count)
    {
        if (count > _limit - _position)
        {
            throw PastEnd(_position, _limit);
        }
    }

    /// <summary>Running into the end of rdata means RDLENGTH disagrees with the fields; anything else is a cut-off packet.</summary>
    private readonly DnsFormatException PastEnd(int offset, int end) => new(
        _inRecordData && end == _limit ? DnsFormatError.RecordDataLengthMismatch : DnsFormatError.UnexpectedEndOfPacket,
        offset);
}
