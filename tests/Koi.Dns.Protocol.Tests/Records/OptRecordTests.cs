using Koi.Dns.Protocol.Records;
using static Koi.Dns.Protocol.Tests.TestBytes;

namespace Koi.Dns.Protocol.Tests.Records;

public class OptRecordTests
{
    [Fact]
    public void TryAddEdns_AllFields_WritesPseudoRecordLast()
    {
        var edns = new OptRecord(1232)
        {
            ExtendedResponseCode = 1,
            Version = 2,
            DnssecOk = true,
            Options = [new EdnsOption(10, Hex("01020304"))],
        };

        var wire = DnsMessageWriter.Write(new DnsMessage { Edns = edns });

        Assert.Equal(Hex("0000 0000 0000 0000 0000 0001  00 0029 04D0 01028000 0008 000A 0004 01020304"), wire);
        Assert.Equal(edns, DnsMessageReader.Read(wire).Edns);
    }

    [Fact]
    public void Read_OptionPastRdata_ThrowsRecordDataLengthMismatch()
    {
        var packet = Hex("0000 0000 0000 0000 0000 0001  00 0029 04D0 00000000 0006 000A 0004 0102");

        Assert.Equal(DnsFormatError.RecordDataLengthMismatch, ReadError(packet));
    }

    [Fact]
    public void Equals_SameFieldsAndOptions_Equal()
    {
        var left = new OptRecord(512) { Options = [new EdnsOption(8, Hex("00"))] };
        var right = new OptRecord(512) { Options = [new EdnsOption(8, Hex("00"))] };

        Assert.Equal(left, right);
        Assert.Equal(left.GetHashCode(), right.GetHashCode());
        Assert.NotEqual(left, right with { DnssecOk = true });
    }
}
