using System.Diagnostics;
using FsCheck;
using FsCheck.Fluent;

namespace Koi.Dns.Protocol.Tests;

/// <summary>
/// Random and mutated packets: the decoder must either succeed or throw <see cref="DnsFormatException"/>, in bounded
/// time. Seeds are fixed so a failure reproduces; the failing packet is printed in hex.
/// </summary>
public class DecoderFuzzTests(ITestOutputHelper output)
{
    private const int PacketCount = 120_000;
    private const int Seed = 0x6B6F69;
    private static readonly TimeSpan TimeBudget = TimeSpan.FromSeconds(30);

    [Fact]
    public void Read_RandomAndMutatedPackets_SucceedsOrThrowsDnsFormatExceptionOnly()
    {
        var random = new Random(Seed);
        var corpus = BuildCorpus();
        var reencodeBuffer = new byte[DnsMessageWriter.MaxMessageSize];
        var successes = 0;
        var errors = new Dictionary<DnsFormatError, int>();
        var decoding = new Stopwatch();
        var stopwatch = Stopwatch.StartNew();

        for (var i = 0; i < PacketCount; i++)
        {
            var packet = Mutate(random, corpus[random.Next(corpus.Length)]);
            DnsMessage message;
            decoding.Start();
            try
            {
                message = DnsMessageReader.Read(packet);
            }
            catch (DnsFormatException exception)
            {
                errors[exception.Reason] = errors.GetValueOrDefault(exception.Reason) + 1;
                continue;
            }
            catch (Exception exception)
            {
                throw new InvalidOperationException($"Packet {i} threw {exception.GetType().Name}: {Convert.ToHexString(packet)}", exception);
            }
            finally
            {
                decoding.Stop();
            }

            successes++;
            AssertReencodes(message, reencodeBuffer, packet);
        }

        stopwatch.Stop();
        output.WriteLine($"{PacketCount} packets in {stopwatch.Elapsed.TotalSeconds:F2} s with mutation and re-encoding; decoding alone {PacketCount / decoding.Elapsed.TotalSeconds:F0} packets/s");
        output.WriteLine($"decoded: {successes}; rejected: {string.Join(", ", errors.OrderBy(e => e.Key).Select(e => $"{e.Key} {e.Value}"))}");
        Assert.True(stopwatch.Elapsed < TimeBudget, $"took {stopwatch.Elapsed}");
        Assert.True(successes > PacketCount / 100, "the mutations should leave some packets valid");
        Assert.Contains(DnsFormatError.CompressionPointerLoop, errors.Keys);
        Assert.Contains(DnsFormatError.ForwardCompressionPointer, errors.Keys);
        Assert.Contains(DnsFormatError.CountExceedsPacket, errors.Keys);
    }

    /// <summary>A decoded message must encode again and decode to itself, or the decoder accepted something it cannot represent.</summary>
    private static void AssertReencodes(DnsMessage message, byte[] buffer, byte[] packet)
    {
        if (!DnsMessageWriter.TryWrite(message, buffer, out var length, DnsCompressionMode.Multicast))
        {
            return;
        }

        var again = DnsMessageReader.Read(buffer.AsSpan(0, length));
        Assert.True(message.Equals(again), $"re-encoding changed the message of {Convert.ToHexString(packet)}");
    }

    private static byte[][] BuildCorpus()
    {
        var messages = Gen.Sample(DnsGenerators.Message(DnsGenerators.AnyRecordData), size: 20, seed: new Rnd(Seed), numberOfSamples: 300);
        return messages
            .Select(message => DnsMessageWriter.Write(message, DnsCompressionMode.Multicast))
            .ToArray();
    }

    private static byte[] Mutate(Random random, byte[] original)
    {
        switch (random.Next(7))
        {
            case 0:
                return RandomBytes(random, random.Next(0, 600));
            case 1:
                return FlipBits(random, original, random.Next(1, 9));
            case 2:
                return original[..random.Next(0, original.Length + 1)];
            case 3:
                return RandomCounts(random, original);
            case 4:
                return InjectPointers(random, original);
            case 5:
                return InjectLengthBytes(random, original);
            default:
                return FlipBits(random, InjectPointers(random, RandomCounts(random, original)), random.Next(0, 3));
        }
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private static byte[] FlipBits(Random random, byte[] original, int flips)
    {
        var packet = (byte[])original.Clone();
        for (var i = 0; i < flips && packet.Length > 0; i++)
        {
            packet[random.Next(packet.Length)] ^= (byte)(1 << random.Next(8));
        }

        return packet;
    }

    /// <summary>One of the four counts nudged, or replaced by a small or any 16-bit value.</summary>
    private static byte[] RandomCounts(Random random, byte[] template)
    {
        var packet = (byte[])template.Clone();
        var offset = 4 + (2 * random.Next(4));
        if (packet.Length < offset + 2)
        {
            return packet;
        }

        var count = random.Next(3) switch
        {
            0 => Math.Max(0, ((packet[offset] << 8) | packet[offset + 1]) + random.Next(-2, 4)),
            1 => random.Next(0, 64),
            _ => random.Next(0, 65536),
        };
        packet[offset] = (byte)(count >> 8);
        packet[offset + 1] = (byte)count;
        return packet;
    }

    /// <summary>Pointers to themselves, to just after themselves, backwards, and anywhere.</summary>
    private static byte[] InjectPointers(Random random, byte[] original)
    {
        var packet = (byte[])original.Clone();
        for (var i = random.Next(1, 4); i > 0 && packet.Length > 13; i--)
        {
            var at = random.Next(12, packet.Length - 1);
            var target = random.Next(4) switch
            {
                0 => at,
                1 => at + 2,
                2 => random.Next(0, at + 1),
                _ => random.Next(0, 0x4000),
            };
            packet[at] = (byte)(0xC0 | ((target >> 8) & 0x3F));
            packet[at + 1] = (byte)target;
        }

        return packet;
    }

    /// <summary>Label lengths that overrun, use reserved label types, or end names early.</summary>
    private static byte[] InjectLengthBytes(Random random, byte[] original)
    {
        var packet = (byte[])original.Clone();
        for (var i = random.Next(1, 4); i > 0 && packet.Length > 12; i--)
        {
            packet[random.Next(12, packet.Length)] = random.Next(3) switch
            {
                0 => (byte)random.Next(0x40, 0xC0),
                1 => (byte)random.Next(0, 64),
                _ => 0,
            };
        }

        return packet;
    }
}
