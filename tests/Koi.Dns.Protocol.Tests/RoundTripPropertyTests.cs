using FsCheck;
using FsCheck.Fluent;
using Koi.Dns.Protocol.Records;

namespace Koi.Dns.Protocol.Tests;

/// <summary>Write → read gives an equal message, for every record type and every compression mode.</summary>
public class RoundTripPropertyTests
{
    private static readonly Config Config = Config.QuickThrowOnFailure.WithMaxTest(300);

    [Fact]
    public void RoundTrip_ARecords_ReadsBackEqual() => AssertRoundTrips(DnsGenerators.A);

    [Fact]
    public void RoundTrip_AaaaRecords_ReadsBackEqual() => AssertRoundTrips(DnsGenerators.Aaaa);

    [Fact]
    public void RoundTrip_PtrRecords_ReadsBackEqual() => AssertRoundTrips(DnsGenerators.Ptr);

    [Fact]
    public void RoundTrip_CnameRecords_ReadsBackEqual() => AssertRoundTrips(DnsGenerators.Cname);

    [Fact]
    public void RoundTrip_NsRecords_ReadsBackEqual() => AssertRoundTrips(DnsGenerators.Ns);

    [Fact]
    public void RoundTrip_MxRecords_ReadsBackEqual() => AssertRoundTrips(DnsGenerators.Mx);

    [Fact]
    public void RoundTrip_SrvRecords_ReadsBackEqual() => AssertRoundTrips(DnsGenerators.Srv);

    [Fact]
    public void RoundTrip_SoaRecords_ReadsBackEqual() => AssertRoundTrips(DnsGenerators.Soa);

    [Fact]
    public void RoundTrip_TxtRecords_ReadsBackEqual() => AssertRoundTrips(DnsGenerators.Txt);

    [Fact]
    public void RoundTrip_NsecRecords_ReadsBackEqual() => AssertRoundTrips(DnsGenerators.Nsec);

    [Fact]
    public void RoundTrip_UnknownRecords_ReadsBackEqual() => AssertRoundTrips(DnsGenerators.Unknown);

    [Fact]
    public void RoundTrip_OptRecords_ReadsBackEqual()
    {
        var messages =
            from message in DnsGenerators.Message(DnsGenerators.AnyRecordData)
            from edns in DnsGenerators.Edns
            select message with { Edns = edns };
        AssertRoundTrips(messages);
    }

    [Fact]
    public void RoundTrip_MixedMessages_ReadsBackEqual() => AssertRoundTrips(DnsGenerators.Message(DnsGenerators.AnyRecordData));

    [Fact]
    public void Write_AnyMessage_CompressionNeverGrowsIt()
    {
        var property = Prop.ForAll(DnsGenerators.Message(DnsGenerators.AnyRecordData).ToArbitrary(), message =>
        {
            var full = DnsMessageWriter.Write(message, DnsCompressionMode.None).Length;
            var standard = DnsMessageWriter.Write(message, DnsCompressionMode.Standard).Length;
            var multicast = DnsMessageWriter.Write(message, DnsCompressionMode.Multicast).Length;
            Assert.True(standard <= full, $"standard {standard} > none {full}");
            Assert.True(multicast <= standard, $"multicast {multicast} > standard {standard}");
        });
        Check.One(Config, property);
    }

    private static void AssertRoundTrips(Gen<DnsRecordData> data) => AssertRoundTrips(DnsGenerators.Message(data));

    private static void AssertRoundTrips(Gen<DnsMessage> messages)
    {
        var cases =
            from message in messages
            from compression in DnsGenerators.CompressionMode
            select (message, compression);
        var property = Prop.ForAll(cases.ToArbitrary(), testCase =>
        {
            var (message, compression) = testCase;
            var wire = DnsMessageWriter.Write(message, compression);
            var decoded = DnsMessageReader.Read(wire);
            Assert.Equal(message, decoded);
            AssertSameSpelling(message, decoded);
        });
        Check.One(Config, property);
    }

    /// <summary>Equality ignores ASCII case; compression must not change it either, so compare the spellings too.</summary>
    private static void AssertSameSpelling(DnsMessage expected, DnsMessage actual)
    {
        Assert.Equal(expected.Questions.Select(q => q.Name.ToString()), actual.Questions.Select(q => q.Name.ToString()));
        Assert.Equal(Spellings(expected), Spellings(actual));

        static IEnumerable<string> Spellings(DnsMessage message) =>
            message.Answers.Concat(message.Authorities).Concat(message.Additionals)
                .SelectMany(record => new[] { record.Name.ToString(), record.Data.ToString() ?? string.Empty });
    }
}
