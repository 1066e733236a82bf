using System.Net.Sockets;
using Koi.Dns.Forwarding;
using Koi.Dns.Resolving;
using Koi.Dns.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace Koi.Dns.Tests.Forwarding;

/// <summary>
/// What an off-path forger must guess (RFC 5452): the id, the source port, the letter case of the question. The
/// upstream here is a real UDP socket the test controls, on its own loopback address.
/// </summary>
public sealed class ForgeryResistanceTests : IAsyncDisposable
{
    private readonly Socket _upstream = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private readonly UpstreamForwarder _forwarder;

    public ForgeryResistanceTests()
    {
        _upstream.Bind(new IPEndPoint(IPAddress.Parse("127.0.77.4"), 0));
        _forwarder = new UpstreamForwarder([(IPEndPoint)_upstream.LocalEndPoint!], TimeSpan.FromSeconds(2), 64, new DnsCounters(), TimeProvider.System, NullLogger.Instance);
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask DisposeAsync()
    {
        await _forwarder.DisposeAsync();
        _upstream.Dispose();
    }

    [Fact(Timeout = 60_000)]
    public async Task Forward_ManyQueries_LeaveFromManySourcePorts_WhichRotate()
    {
        var first = await SourcePortsOfAsync(64);
        await Task.Delay(UdpUpstream.RotateEvery * 3, Ct);
        var later = await SourcePortsOfAsync(64);

        Assert.True(first.Count >= 4, $"64 queries left from {first.Count} source port(s): {string.Join(", ", first)}");
        Assert.NotEmpty(later.Except(first));
    }

    [Fact(Timeout = 30_000)]
    public async Task Forward_QuestionCase_RandomisedUpstream_RestoredForClient()
    {
        const string name = "abcdefghijklmnopqrstuvwxyz.example.org";
        var pending = ForwardAsync(Queries.Build(name, DnsType.A, id: 9));
        var (query, from) = await ReceiveQueryAsync();
        var sent = DnsMessageReader.Read(query).Questions.Single().Name.ToString();

        // An honest upstream echoes the question as it was asked.
        await _upstream.SendToAsync(Answer(query, "192.0.2.9"), from, Ct);
        var answer = DnsMessageReader.Read(await pending);

        Assert.Equal(name, sent, ignoreCase: true);
        Assert.NotEqual(name, sent); // 26 letters left as they were: 1 in 2^26
        Assert.Equal(name, answer.Questions.Single().Name.ToString());
        Assert.Equal(["192.0.2.9"], Queries.Values(answer, DnsType.A));
    }

    [Fact(Timeout = 30_000)]
    public async Task Forward_AnswerInAnotherCase_DroppedAsForged_ServFail()
    {
        var pending = ForwardAsync(Queries.Build("www.example.org", DnsType.A, id: 10));
        var (query, from) = await ReceiveQueryAsync();

        // Right id, right port, right name — but not in the case koi asked in: a forger who did not see the query.
        var forged = Answer(query, "6.6.6.6");
        FlipCase(forged);
        await _upstream.SendToAsync(forged, from, Ct);
        var answer = DnsMessageReader.Read(await pending);

        Assert.Equal(DnsResponseCode.ServerFailure, answer.Header.ResponseCode);
        Assert.Empty(answer.Answers);
    }

    [Fact(Timeout = 30_000)]
    public async Task Forward_RightAnswerToAnotherSourcePortOfThePool_Dropped_RealOneAccepted()
    {
        var pending = ForwardAsync(Queries.Build("port.example.org", DnsType.A, id: 11));
        var (query, from) = await ReceiveQueryAsync();
        var other = _forwarder.SourcePorts(0).First(p => p != from.Port);

        await _upstream.SendToAsync(Answer(query, "6.6.6.6"), new IPEndPoint(from.Address, other), Ct);
        await Task.Delay(200, Ct);
        await _upstream.SendToAsync(Answer(query, "192.0.2.11"), from, Ct);
        var answer = DnsMessageReader.Read(await pending);

        Assert.Equal(["192.0.2.11"], Queries.Values(answer, DnsType.A));
    }

    private async Task<HashSet<int>> SourcePortsOfAsync(int queries)
    {
        var ports = new HashSet<int>();
        for (var i = 0; i < queries; i++)
        {
            var pending = ForwardAsync(Queries.Build($"q{i}.example.org", DnsType.A, id: (ushort)i));
            var (query, from) = await ReceiveQueryAsync();
            ports.Add(from.Port);
            await _upstream.SendToAsync(Answer(query, "192.0.2.1"), from, Ct);
            Assert.Equal(["192.0.2.1"], Queries.Values(DnsMessageReader.Read(await pending), DnsType.A));
        }

        return ports;
    }

    private async Task<byte[]> ForwardAsync(byte[] query)
    {
        var response = new byte[1232];
        var result = await _forwarder.ForwardAsync(query, response, response.Length, Ct);
        return response[..result.Length];
    }

    private async Task<(byte[] Query, IPEndPoint From)> ReceiveQueryAsync()
    {
        var buffer = new byte[1232];
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        var received = await _upstream.ReceiveFromAsync(buffer, new IPEndPoint(IPAddress.Any, 0), timeout.Token);
        return (buffer[..received.ReceivedBytes], (IPEndPoint)received.RemoteEndPoint);
    }

    // The query's own bytes with QR set and one A record appended (name by pointer to the question): what an upstream
    // that echoes its question byte for byte sends.
    private static byte[] Answer(byte[] query, string address)
    {
        var questionEnd = PacketInspection.FirstQuestionEnd(query);
        var answer = new byte[questionEnd + 16];
        query.AsSpan(0, questionEnd).CopyTo(answer);
        answer[2] |= 0x80;
        answer[3] = 0x80;
        answer[7] = 1; // ANCOUNT
        answer[9] = 0;
        answer[11] = 0; // no authority, no additional
        var record = answer.AsSpan(questionEnd);
        record[0] = 0xC0;
        record[1] = 12;
        record[3] = 1; // A
        record[5] = 1; // IN
        record[9] = 60; // TTL
        record[11] = 4;
        IPAddress.Parse(address).GetAddressBytes().CopyTo(record[12..]);
        return answer;
    }

    // Every letter of the question in the other case: the same name (RFC 4343), never the same bytes.
    private static void FlipCase(byte[] packet)
    {
        var end = PacketInspection.FirstQuestionEnd(packet) - 4;
        for (var i = PacketInspection.HeaderSize; i < end; i++)
        {
            if (packet[i] is >= (byte)'A' and <= (byte)'Z' or >= (byte)'a' and <= (byte)'z')
            {
                packet[i] ^= 0x20;
            }
        }
    }
}
