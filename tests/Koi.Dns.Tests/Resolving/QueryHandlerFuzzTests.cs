using Koi.Dns.Resolving;
using Koi.Dns.Safety;
using Koi.Dns.Tests.Support;

namespace Koi.Dns.Tests.Resolving;

public sealed class QueryHandlerFuzzTests
{
    private const int Iterations = 120_000;

    [Fact]
    public void Handle_120000RandomAndMutatedQueries_NeverThrowsRespondsWellFormedThenStillAnswers()
    {
        var random = new Random(20261123);
        var harness = new HandlerHarness();
        var seeds = new[]
        {
            Queries.Build("nas.lan", DnsType.A),
            Queries.Build("_grafana._tcp.lan", DnsType.SRV, edns: new OptRecord(1232)),
            Queries.Build("grafana.lan", DnsType.ANY),
            Queries.Build("example.org", DnsType.AAAA),
            Queries.Build("lan", DnsType.SOA, edns: new OptRecord(4096) { Options = [new EdnsOption(10, new byte[8])] }),
        };
        var responded = 0;

        for (var i = 0; i < Iterations; i++)
        {
            var packet = i % 3 == 0 ? RandomPacket(random) : Mutate(random, seeds[random.Next(seeds.Length)]);
            var client = i % 7 == 0 ? HandlerHarness.PublicClient : ClientAddress.FromIPv4(0x0A000000u | (uint)random.Next(1 << 16));
            var transport = i % 5 == 0 ? DnsTransport.Tcp : DnsTransport.Udp;

            var (handled, message) = harness.Handle(packet, client, transport);

            if (handled.Outcome == QueryOutcome.Respond)
            {
                responded++;
                Assert.True(message!.Header.IsResponse);
                Assert.True(handled.Length <= (transport == DnsTransport.Udp ? QueryHandler.MaxUdpSize : QueryHandler.MaxTcpSize));
            }
        }

        Assert.True(responded > Iterations / 4, $"only {responded} responses");
        Assert.True(harness.Counters.Malformed > 0);
        Assert.Equal(["192.168.1.20"], Queries.Values(harness.Ask("nas.lan", DnsType.A), DnsType.A));
        Assert.Equal(DnsResponseCode.NameError, harness.Ask("gone.lan", DnsType.A).Header.ResponseCode);
        Assert.Equal(2, Queries.Values(harness.Ask("_grafana._tcp.lan", DnsType.SRV), DnsType.SRV).Count);
    }

    [Fact]
    public void PlainQueryTryRead_120000RandomAndMutatedQueries_AcceptsOnlyWhatTheDecoderReadsAlike()
    {
        var random = new Random(7);
        var seeds = new[]
        {
            Queries.Build("nas.lan", DnsType.A),
            Queries.Build("NaS.lan", DnsType.AAAA, edns: new OptRecord(1232)),
            Queries.Build("example.org", DnsType.A, edns: new OptRecord(4096) { DnssecOk = true, Options = [new EdnsOption(10, new byte[8]), new EdnsOption(12, Array.Empty<byte>())] }),
        };
        var accepted = 0;

        for (var i = 0; i < Iterations; i++)
        {
            var packet = i % 3 == 0 ? RandomPacket(random) : Mutate(random, seeds[random.Next(seeds.Length)]);
            if (!PlainQuery.TryRead(packet, out var plain))
            {
                continue;
            }

            accepted++;
            Assert.True(DnsMessageReader.TryRead(packet, out var message, out var error), $"decoder refused ({error}) what PlainQuery read: {Convert.ToHexString(packet)}");
            var question = message.Questions.Single();
            Assert.Empty(message.Answers);
            Assert.Empty(message.Authorities);
            Assert.Empty(message.Additionals);
            Assert.True(DnsWireNames.IsSpelledAs(plain.Name, question.Name));
            Assert.Equal(question.Type, plain.Type);
            Assert.Equal(question.Class, plain.Class);
            Assert.Equal(question.UnicastResponse, plain.UnicastResponse);
            Assert.Equal(message.Edns is not null, plain.HasEdns);
            Assert.Equal(message.Edns?.UdpPayloadSize ?? 0, plain.UdpPayloadSize);
            Assert.Equal(message.Edns?.Version ?? 0, plain.EdnsVersion);
        }

        Assert.True(accepted > Iterations / 10, $"only {accepted} plain queries");
    }

    private static byte[] RandomPacket(Random random)
    {
        var packet = new byte[random.Next(0, 600)];
        random.NextBytes(packet);
        if (packet.Length > 2 && random.Next(2) == 0)
        {
            packet[2] &= 0x7F; // mostly queries, so decoding goes deep
        }

        return packet;
    }

    private static byte[] Mutate(Random random, byte[] seed)
    {
        var packet = (byte[])seed.Clone();
        switch (random.Next(4))
        {
            case 0:
                for (var n = random.Next(1, 4); n > 0; n--)
                {
                    packet[random.Next(packet.Length)] = (byte)random.Next(256);
                }

                return packet;
            case 1:
                return packet[..random.Next(packet.Length)];
            case 2:
                var longer = new byte[packet.Length + random.Next(1, 40)];
                packet.CopyTo(longer, 0);
                random.NextBytes(longer.AsSpan(packet.Length));
                return longer;
            default:
                // Lying counts: the header claims more (or fewer) entries than the packet holds.
                packet[random.Next(4, 12)] = (byte)random.Next(256);
                return packet;
        }
    }
}
