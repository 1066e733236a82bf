namespace Koi.Dns.Protocol.Tests;

internal static class TestBytes
{
    /// <summary>Hex with any spacing or line breaks, so packets can be laid out field by field.</summary>
    public static byte[] Hex(string hex) =>
        Convert.FromHexString(string.Concat(hex.Where(c => !char.IsWhiteSpace(c))));

    /// <summary>A packet whose only content is one answer with a root owner, class IN, TTL 60 and the given rdata.</summary>
    public static byte[] SingleAnswer(DnsType type, string rdataHex)
    {
        var rdata = Hex(rdataHex);
        var header = Hex("0000 8400 0000 0001 0000 0000");
        byte[] fixedFields =
        [
            0, // root owner
            (byte)((ushort)type >> 8), (byte)type,
            0, 1,
            0, 0, 0, 60,
            (byte)(rdata.Length >> 8), (byte)rdata.Length,
        ];
        return [.. header, .. fixedFields, .. rdata];
    }

    public static T ReadSingleAnswerData<T>(DnsType type, string rdataHex)
    {
        var message = DnsMessageReader.Read(SingleAnswer(type, rdataHex));
        return Assert.IsType<T>(Assert.Single(message.Answers).Data);
    }

    public static DnsFormatError ReadError(byte[] packet) =>
        Assert.Throws<DnsFormatException>(() => DnsMessageReader.Read(packet)).Reason;
}
