namespace Koi.Dns.Protocol;

/// <summary>The single-bit fields of the header's second 16-bit word (RFC 1035 §4.1.1, RFC 4035 §3.2).</summary>
[Flags]
public enum DnsHeaderFlags : ushort
{
    None = 0,
    CheckingDisabled = 0x0010,
    AuthenticData = 0x0020,

    /// <summary>The "Z" bit; must be zero but is kept so a decoded header re-encodes to the same bytes.</summary>
    Reserved = 0x0040,
    RecursionAvailable = 0x0080,
    RecursionDesired = 0x0100,
    Truncated = 0x0200,
    AuthoritativeAnswer = 0x0400,
    Response = 0x8000,
}
