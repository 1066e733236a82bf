using Koi.Dns.Protocol.Wire;

namespace Koi.Dns.Protocol.Records;

/// <summary>
/// The EDNS(0) pseudo-record (RFC 6891 §6.1). It reuses the fields of a resource record: CLASS carries the UDP payload
/// size, TTL carries the extended RCODE, the version and the DO bit. A message holds at most one, in
/// <see cref="DnsMessage.Edns"/>.
/// </summary>
public sealed record OptRecord
{
    private const uint DnssecOkBit = 0x8000;

    private readonly EdnsOption[] _options = [];

    public OptRecord(ushort udpPayloadSize)
    {
        UdpPayloadSize = udpPayloadSize;
    }

    /// <summary>The largest UDP payload the sender can reassemble; values below 512 mean 512.</summary>
    public ushort UdpPayloadSize { get; init; }

    /// <summary>The upper 8 bits of the 12-bit response code; the lower 4 are in <see cref="DnsHeader.ResponseCode"/>.</summary>
    public byte ExtendedResponseCode { get; init; }

    public byte Version { get; init; }

    /// <summary>DO: the sender understands DNSSEC records (RFC 3225).</summary>
    public bool DnssecOk { get; init; }

    public IReadOnlyList<EdnsOption> Options
    {
        get => _options;
        init => _options = [.. value ?? throw new ArgumentNullException(nameof(value))];
    }

    public bool Equals(OptRecord? other) =>
        ReferenceEquals(this, other) ||
        (other is not null &&
         UdpPayloadSize == other.UdpPayloadSize &&
         ExtendedResponseCode == other.ExtendedResponseCode &&
         Version == other.Version &&
         DnssecOk == other.DnssecOk &&
         _options.AsSpan().SequenceEqual(other._options));

    public override int GetHashCode()
    {
        var hash = default(HashCode);
        hash.Add(UdpPayloadSize);
        hash.Add(ExtendedResponseCode);
        hash.Add(Version);
        hash.Add(DnssecOk);
        foreach (var option in _options)
        {
            hash.Add(option);
        }

        return hash.ToHashCode();
    }

    /// <summary>Writes the whole pseudo-record: root owner, type, the reused CLASS and TTL, and the options as rdata.</summary>
    internal void WriteTo(DnsWireWriter writer)
    {
        writer.WriteByte(0);
        writer.WriteUInt16((ushort)DnsType.OPT);
        writer.WriteUInt16(UdpPayloadSize);
        writer.WriteUInt32(((uint)ExtendedResponseCode << 24) | ((uint)Version << 16) | (DnssecOk ? DnssecOkBit : 0));
        var lengthOffset = writer.Position;
        writer.WriteUInt16(0);
        var start = writer.Position;
        foreach (var option in _options)
        {
            writer.WriteUInt16(option.Code);
            writer.WriteUInt16((ushort)option.Data.Length);
            writer.WriteBytes(option.Data.Span);
        }

        writer.PatchUInt16(lengthOffset, (ushort)(writer.Position - start));
    }

    /// <summary>Reads the options; the message reader has read the owner, type, CLASS, TTL and RDLENGTH.</summary>
    internal static OptRecord ReadFrom(ref DnsWireReader reader, ushort wireClass, uint wireTtl)
    {
        var options = new List<EdnsOption>();
        while (reader.Remaining > 0)
        {
            var code = reader.ReadUInt16();
            var length = reader.ReadUInt16();
            options.Add(new EdnsOption(code, reader.ReadBytes(length).ToArray()));
        }

        return new OptRecord(wireClass)
        {
            ExtendedResponseCode = (byte)(wireTtl >> 24),
            Version = (byte)(wireTtl >> 16),
            DnssecOk = (wireTtl & DnssecOkBit) != 0,
            Options = options,
        };
    }
}
