namespace Koi.Dns.Protocol;

/// <summary>
/// The header of a message without its four counts, which follow from the sections (RFC 1035 §4.1.1). The flag
/// properties are views of <see cref="Flags"/>: <c>new DnsHeader { IsResponse = true, IsAuthoritativeAnswer = true }</c>.
/// </summary>
public readonly record struct DnsHeader
{
    public const int Size = 12;

    public ushort Id { get; init; }

    public DnsHeaderFlags Flags { get; init; }

    public DnsOpcode Opcode
    {
        get;
        init => field = (byte)value <= 0xF ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "The opcode has 4 bits.");
    }

    /// <summary>The low 4 bits of the response code; with EDNS, the high bits are in the OPT record.</summary>
    public DnsResponseCode ResponseCode
    {
        get;
        init => field = (byte)value <= 0xF ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "The header's RCODE has 4 bits.");
    }

    public bool IsResponse
    {
        get => Has(DnsHeaderFlags.Response);
        init => Flags = With(DnsHeaderFlags.Response, value);
    }

    public bool IsAuthoritativeAnswer
    {
        get => Has(DnsHeaderFlags.AuthoritativeAnswer);
        init => Flags = With(DnsHeaderFlags.AuthoritativeAnswer, value);
    }

    public bool IsTruncated
    {
        get => Has(DnsHeaderFlags.Truncated);
        init => Flags = With(DnsHeaderFlags.Truncated, value);
    }

    public bool RecursionDesired
    {
        get => Has(DnsHeaderFlags.RecursionDesired);
        init => Flags = With(DnsHeaderFlags.RecursionDesired, value);
    }

    public bool RecursionAvailable
    {
        get => Has(DnsHeaderFlags.RecursionAvailable);
        init => Flags = With(DnsHeaderFlags.RecursionAvailable, value);
    }

    public bool AuthenticData
    {
        get => Has(DnsHeaderFlags.AuthenticData);
        init => Flags = With(DnsHeaderFlags.AuthenticData, value);
    }

    public bool CheckingDisabled
    {
        get => Has(DnsHeaderFlags.CheckingDisabled);
        init => Flags = With(DnsHeaderFlags.CheckingDisabled, value);
    }

    /// <summary>The second 16-bit word of the header: flags, opcode and response code together.</summary>
    internal ushort ToWireFlags() => (ushort)((ushort)Flags | ((int)Opcode << 11) | (int)ResponseCode);

    internal static DnsHeader FromWire(ushort id, ushort wireFlags) => new()
    {
        Id = id,
        Flags = (DnsHeaderFlags)(wireFlags & 0x87F0),
        Opcode = (DnsOpcode)((wireFlags >> 11) & 0xF),
        ResponseCode = (DnsResponseCode)(wireFlags & 0xF),
    };

    private DnsHeaderFlags With(DnsHeaderFlags flag, bool value) => value ? Flags | flag : Flags & ~flag;

    // A mask rather than Enum.HasFlag, which boxes in unoptimised (Debug) code: reading a header allocates nothing.
    private bool Has(DnsHeaderFlags flag) => (Flags & flag) != 0;
}
