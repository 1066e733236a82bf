namespace Koi.Dns.Protocol;

/// <summary>The mDNS use of the top bit of CLASS (RFC 6762 §10.2 for records, §5.4 for questions).</summary>
internal static class DnsClassBits
{
    public const ushort TopBit = 0x8000;

    public static DnsClass Require15Bits(DnsClass value) => ((ushort)value & TopBit) == 0
        ? value
        : throw new ArgumentOutOfRangeException(
            nameof(value),
            value,
            "A class has 15 bits here; the top bit is set through CacheFlush or UnicastResponse.");

    public static ushort ToWire(DnsClass value, bool topBit) => (ushort)((ushort)value | (topBit ? TopBit : 0));

    public static DnsClass ClassOf(ushort wire) => (DnsClass)(wire & ~TopBit);

    public static bool TopBitOf(ushort wire) => (wire & TopBit) != 0;
}
