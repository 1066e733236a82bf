using Koi.Dns.Protocol.Records;
using Koi.Dns.Protocol.Wire;

namespace Koi.Dns.Protocol;

/// <summary>
/// Encodes a message into a caller-provided buffer whose length is the size limit (e.g. 512 bytes for unicast DNS over
/// UDP, 9000 for mDNS). Entries go in wire order: questions, then answers, authorities, additionals. Each
/// <c>TryAdd…</c> either writes the whole entry or, when it does not fit, nothing, and returns false, so a responder
/// can set TC or carry the rest into another packet. <see cref="Complete"/> writes the header and returns the length.
/// </summary>
/// <example>
/// <code>
/// var writer = new DnsMessageWriter(buffer.AsMemory(0, 9000), DnsCompressionMode.Multicast);
/// foreach (var record in answers)
///     if (!writer.TryAddRecord(DnsSection.Answer, record)) { truncated = true; break; }
/// var length = writer.Complete(new DnsHeader { IsResponse = true, IsAuthoritativeAnswer = true, IsTruncated = truncated });
/// </code>
/// </example>
public sealed class DnsMessageWriter
{
    /// <summary>A DNS message's length must fit in the 16-bit prefix of DNS over TCP.</summary>
    public const int MaxMessageSize = ushort.MaxValue;

    private readonly DnsWireWriter _wire;
    private readonly int[] _counts = new int[4];
    private int _currentSection;
    private bool _hasEdns;
    private bool _completed;

    public DnsMessageWriter(Memory<byte> destination, DnsCompressionMode compression = DnsCompressionMode.Standard)
    {
        _wire = new DnsWireWriter(Memory<byte>.Empty, compression);
        Reset(destination, compression);
    }

    /// <summary>Bytes written so far, header included.</summary>
    public int Length => _wire.Position;

    public int QuestionCount => _counts[0];

    public int Count(DnsSection section) => _counts[(int)section];

    /// <summary>Starts a new message in <paramref name="destination"/>, keeping this writer's allocations.</summary>
    public void Reset(Memory<byte> destination, DnsCompressionMode compression = DnsCompressionMode.Standard)
    {
        if (destination.Length < DnsHeader.Size)
        {
            throw new ArgumentException($"A DNS message needs at least {DnsHeader.Size} bytes.", nameof(destination));
        }

        _wire.Reset(destination.Length > MaxMessageSize ? destination[..MaxMessageSize] : destination, compression);
        _wire.Skip(DnsHeader.Size);
        Array.Clear(_counts);
        _currentSection = 0;
        _hasEdns = false;
        _completed = false;
    }

    public bool TryAddQuestion(DnsQuestion question)
    {
        ArgumentNullException.ThrowIfNull(question);
        return TryAddQuestion(question.Name, question.Type, question.Class, question.UnicastResponse);
    }

    /// <summary>The same as <see cref="TryAddQuestion(DnsQuestion)"/>, for callers that hold the parts.</summary>
    public bool TryAddQuestion(DnsName name, DnsType type, DnsClass @class = DnsClass.IN, bool unicastResponse = false)
    {
        ArgumentNullException.ThrowIfNull(name);
        EnterSection(0);
        _wire.BeginEntry();
        _wire.WriteName(name);
        _wire.WriteUInt16((ushort)type);
        _wire.WriteUInt16(DnsClassBits.ToWire(@class, unicastResponse));
        return TryEndEntry(0);
    }

    public bool TryAddRecord(DnsSection section, DnsResourceRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentOutOfRangeException.ThrowIfLessThan((int)section, (int)DnsSection.Answer, nameof(section));
        ArgumentOutOfRangeException.ThrowIfGreaterThan((int)section, (int)DnsSection.Additional, nameof(section));
        EnterSection((int)section);
        _wire.BeginEntry();
        _wire.WriteName(record.Name);
        _wire.WriteUInt16((ushort)record.Type);
        _wire.WriteUInt16(DnsClassBits.ToWire(record.Class, record.CacheFlush));
        _wire.WriteUInt32(record.Ttl);
        var lengthOffset = _wire.Position;
        _wire.WriteUInt16(0);
        var dataStart = _wire.Position;
        record.Data.WriteTo(_wire);
        _wire.PatchUInt16(lengthOffset, (ushort)(_wire.Position - dataStart));
        return TryEndEntry((int)section);
    }

    /// <summary>Adds the OPT pseudo-record to the additional section. A message has at most one.</summary>
    public bool TryAddEdns(OptRecord edns)
    {
        ArgumentNullException.ThrowIfNull(edns);
        if (_hasEdns)
        {
            throw new InvalidOperationException("A message carries at most one OPT record.");
        }

        EnterSection((int)DnsSection.Additional);
        _wire.BeginEntry();
        edns.WriteTo(_wire);
        _hasEdns = TryEndEntry((int)DnsSection.Additional);
        return _hasEdns;
    }

    /// <summary>Writes <paramref name="header"/> with the counts of what was added; returns the message's length.</summary>
    public int Complete(DnsHeader header)
    {
        EnsureNotCompleted();
        _wire.PatchUInt16(0, header.Id);
        _wire.PatchUInt16(2, header.ToWireFlags());
        for (var i = 0; i < _counts.Length; i++)
        {
            _wire.PatchUInt16(4 + (2 * i), (ushort)_counts[i]);
        }

        _completed = true;
        return _wire.Position;
    }

    /// <summary>Writes all of <paramref name="message"/>, or returns false when it does not fit in <paramref name="destination"/>.</summary>
    public static bool TryWrite(
        DnsMessage message,
        Memory<byte> destination,
        out int bytesWritten,
        DnsCompressionMode compression = DnsCompressionMode.Standard)
    {
        ArgumentNullException.ThrowIfNull(message);
        bytesWritten = 0;
        var writer = new DnsMessageWriter(destination, compression);
        foreach (var question in message.Questions)
        {
            if (!writer.TryAddQuestion(question))
            {
                return false;
            }
        }

        if (!writer.TryAddSection(DnsSection.Answer, message.Answers) ||
            !writer.TryAddSection(DnsSection.Authority, message.Authorities) ||
            !writer.TryAddSection(DnsSection.Additional, message.Additionals) ||
            (message.Edns is not null && !writer.TryAddEdns(message.Edns)))
        {
            return false;
        }

        bytesWritten = writer.Complete(message.Header);
        return true;
    }

    /// <summary>The message as a new array; throws when it exceeds <see cref="MaxMessageSize"/>.</summary>
    public static byte[] Write(DnsMessage message, DnsCompressionMode compression = DnsCompressionMode.Standard)
    {
        var buffer = new byte[MaxMessageSize];
        return TryWrite(message, buffer, out var length, compression)
            ? buffer.AsSpan(0, length).ToArray()
            : throw new ArgumentException($"The message does not fit in {MaxMessageSize} bytes.", nameof(message));
    }

    private bool TryAddSection(DnsSection section, IReadOnlyList<DnsResourceRecord> records)
    {
        foreach (var record in records)
        {
            if (!TryAddRecord(section, record))
            {
                return false;
            }
        }

        return true;
    }

    private void EnterSection(int section)
    {
        EnsureNotCompleted();
        if (section < _currentSection)
        {
            throw new InvalidOperationException("Questions and sections are written in wire order: questions, answers, authorities, additionals.");
        }

        _currentSection = section;
    }

    private bool TryEndEntry(int section)
    {
        if (!_wire.TryEndEntry())
        {
            return false;
        }

        _counts[section]++;
        return true;
    }

    private void EnsureNotCompleted()
    {
        if (_completed)
        {
            throw new InvalidOperationException("The message is complete; call Reset to write another.");
        }
    }
}
