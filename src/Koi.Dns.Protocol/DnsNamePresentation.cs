using System.Buffers;
using System.Text;

namespace Koi.Dns.Protocol;

/// <summary>
/// Text form of names. Labels are UTF-8 (RFC 6762 §16), so printable characters, spaces included, appear as themselves;
/// a dot or backslash inside a label is escaped with a backslash, and control characters and bytes that are not valid
/// UTF-8 become <c>\DDD</c> (RFC 1035 §5.1). Parsing accepts the same escapes, so any name survives a text round trip.
/// </summary>
internal static class DnsNamePresentation
{
    public static string Format(ReadOnlySpan<byte> wire)
    {
        if (wire[0] == 0)
        {
            return ".";
        }

        var text = new StringBuilder(wire.Length + 8);
        for (var position = 0; wire[position] != 0; position += wire[position] + 1)
        {
            if (position > 0)
            {
                text.Append('.');
            }

            AppendLabel(text, wire.Slice(position + 1, wire[position]));
        }

        return text.ToString();
    }

    /// <summary>Returns null on success, otherwise why <paramref name="text"/> is not a name.</summary>
    public static string? TryParse(ReadOnlySpan<char> text, out DnsName? name)
    {
        name = null;
        if (text.IsEmpty || text is ".")
        {
            name = DnsName.Root;
            return null;
        }

        var builder = new WireBuilder(stackalloc byte[DnsName.MaxLength]);
        Span<byte> utf8 = stackalloc byte[4];
        var position = 0;
        var endsWithSeparator = false;
        while (position < text.Length)
        {
            var c = text[position];
            endsWithSeparator = c == '.';
            if (c == '.')
            {
                if (!builder.TryEndLabel())
                {
                    return $"The DNS name '{text}' has an empty label.";
                }

                position++;
                continue;
            }

            if (c == '\\')
            {
                if (TryReadDecimalEscape(text[(position + 1)..], out var value))
                {
                    if (value > byte.MaxValue)
                    {
                        return $"The DNS name '{text}' has an escape \\{value} above \\255.";
                    }

                    if (builder.TryAppend((byte)value) is { } byteError)
                    {
                        return Describe(text, byteError);
                    }

                    position += 4;
                    continue;
                }

                position++;
                if (position == text.Length)
                {
                    return $"The DNS name '{text}' ends with a lone backslash.";
                }
            }

            if (Rune.DecodeFromUtf16(text[position..], out var rune, out var charsConsumed) != OperationStatus.Done)
            {
                return $"The DNS name '{text}' is not valid UTF-16.";
            }

            var byteCount = rune.EncodeToUtf8(utf8);
            for (var i = 0; i < byteCount; i++)
            {
                if (builder.TryAppend(utf8[i]) is { } runeError)
                {
                    return Describe(text, runeError);
                }
            }

            position += charsConsumed;
        }

        if (!builder.TryEndName(endsWithSeparator, out var wire))
        {
            return $"The DNS name '{text}' has an empty label.";
        }

        name = new DnsName(wire, 0);
        return null;
    }

    private static void AppendLabel(StringBuilder text, ReadOnlySpan<byte> label)
    {
        Span<char> chars = stackalloc char[2];
        while (!label.IsEmpty)
        {
            var status = Rune.DecodeFromUtf8(label, out var rune, out var bytesConsumed);
            if (status == OperationStatus.Done && !Rune.IsControl(rune))
            {
                if (rune.Value is '.' or '\\')
                {
                    text.Append('\\');
                }

                text.Append(chars[..rune.EncodeToUtf16(chars)]);
            }
            else
            {
                foreach (var b in label[..bytesConsumed])
                {
                    text.Append('\\').Append((char)('0' + (b / 100))).Append((char)('0' + (b / 10 % 10))).Append((char)('0' + (b % 10)));
                }
            }

            label = label[bytesConsumed..];
        }
    }

    private static bool TryReadDecimalEscape(ReadOnlySpan<char> afterBackslash, out int value)
    {
        value = 0;
        if (afterBackslash.Length < 3 || !char.IsAsciiDigit(afterBackslash[0]) || !char.IsAsciiDigit(afterBackslash[1]) ||
            !char.IsAsciiDigit(afterBackslash[2]))
        {
            return false;
        }

        value = ((afterBackslash[0] - '0') * 100) + ((afterBackslash[1] - '0') * 10) + (afterBackslash[2] - '0');
        return true;
    }

    private static string Describe(ReadOnlySpan<char> text, WireBuilder.Overflow overflow) => overflow switch
    {
        WireBuilder.Overflow.Label => $"The DNS name '{text}' has a label longer than {DnsName.MaxLabelLength} bytes.",
        _ => $"The DNS name '{text}' is longer than {DnsName.MaxLength} bytes in wire form.",
    };

    /// <summary>Accumulates length-prefixed labels; the current label's length byte is reserved and filled in at its end.</summary>
    private ref struct WireBuilder(Span<byte> buffer)
    {
        public enum Overflow
        {
            Label,
            Name,
        }

        private readonly Span<byte> _buffer = buffer;
        private int _labelStart;
        private int _length = 1;

        private readonly int LabelLength => _length - _labelStart - 1;

        public Overflow? TryAppend(byte value)
        {
            if (LabelLength == DnsName.MaxLabelLength)
            {
                return Overflow.Label;
            }

            // Leave room for the root label that ends the name.
            if (_length > DnsName.MaxLength - 2)
            {
                return Overflow.Name;
            }

            _buffer[_length++] = value;
            return null;
        }

        public bool TryEndLabel()
        {
            if (LabelLength == 0)
            {
                return false;
            }

            _buffer[_labelStart] = (byte)LabelLength;
            _labelStart = _length++;
            return true;
        }

        public readonly bool TryEndName(bool endedWithDot, out byte[] wire)
        {
            wire = [];
            if (endedWithDot)
            {
                // The byte reserved for the next label's length becomes the root label.
                _buffer[_labelStart] = 0;
                wire = _buffer[.._length].ToArray();
                return true;
            }

            if (LabelLength == 0)
            {
                return false;
            }

            _buffer[_labelStart] = (byte)LabelLength;
            _buffer[_length] = 0;
            wire = _buffer[..(_length + 1)].ToArray();
            return true;
        }
    }
}
