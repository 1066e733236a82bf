using Koi.Core.Net;
using Koi.Dns.Protocol;
using Koi.Dns.Protocol.Records;
using Koi.Dns.Safety;
using Koi.Dns.Zone;
using Microsoft.Extensions.Logging;

namespace Koi.Dns.Resolving;

/// <summary>
/// One query in, one decision out: a response written from the zone snapshot, "forward it", or "drop it". Pure with
/// respect to I/O, so the listeners, <c>koi dns lookup</c> and the fuzz tests share it. The hot path reads the snapshot
/// once, allocates only what decoding the query needs, and never touches files, JSON or LINQ.
/// </summary>
internal sealed partial class QueryHandler(ZoneHolder zone, QueryPolicy policy, DnsCounters counters, ILogger logger)
{
    /// <summary>Classic DNS over UDP without EDNS (RFC 1035 §4.2.1).</summary>
    public const int MinUdpSize = 512;

    /// <summary>The EDNS size that avoids IP fragmentation on any path (DNS Flag Day 2020).</summary>
    public const int MaxUdpSize = 1232;

    public const int MaxTcpSize = ushort.MaxValue;

    private static readonly OptRecord ServerEdns = new(MaxUdpSize);
    private static readonly OptRecord BadVersionEdns = new(MaxUdpSize) { ExtendedResponseCode = 1 };

    private int _rotation;

    public QueryPolicy Policy => policy;

    /// <param name="writer">The caller's writer, reused across queries.</param>
    /// <param name="response">Where the response goes; at least <see cref="MaxTcpSize"/> bytes for TCP.</param>
    public HandledQuery Handle(ReadOnlySpan<byte> query, ClientAddress client, DnsTransport transport, DnsMessageWriter writer, Memory<byte> response)
    {
        if (query.Length < DnsHeader.Size)
        {
            counters.CountMalformed();
            return HandledQuery.Drop;
        }

        var header = DnsMessageReader.ReadHeader(query);
        if (header.IsResponse)
        {
            // Never answer an answer: two resolvers could otherwise bounce packets at each other forever.
            counters.CountMalformed();
            return HandledQuery.Drop;
        }

        switch (transport == DnsTransport.Internal ? null : Refuse(client, transport))
        {
            case RefusalReason.PublicClient:
                counters.CountRefused();
                return Bare(writer, response, header, DnsResponseCode.Refused);
            case RefusalReason.RateLimited:
                counters.CountRateLimited();
                return Bare(writer, response, header, DnsResponseCode.Refused);
            case RefusalReason.Slip:
                counters.CountRateLimited();
                counters.CountSlipped();
                return Slip(query, writer, response, header);
        }

        if (header.Opcode == DnsOpcode.Query && PlainQuery.TryRead(query, out var plain) &&
            TryHandlePlain(plain, transport, header, writer, response, out var handled))
        {
            return handled;
        }

        if (!DnsMessageReader.TryRead(query, out var message, out _))
        {
            counters.CountMalformed();
            return Bare(writer, response, header, DnsResponseCode.FormatError);
        }

        if (header.Opcode != DnsOpcode.Query)
        {
            counters.CountRefused();
            return Bare(writer, response, header, DnsResponseCode.NotImplemented);
        }

        if (message.Questions.Count != 1)
        {
            // RFC 9619: a query has exactly one question.
            counters.CountMalformed();
            return Bare(writer, response, header, DnsResponseCode.FormatError);
        }

        var limit = ResponseLimit(transport, message.Edns?.UdpPayloadSize);
        var question = message.Questions[0];
        var asked = new Asked(question.Name, question.Type, question.Class, question.UnicastResponse);
        var clientEdns = message.Edns is not null;
        var snapshot = zone.Current;
        if (message.Edns is { Version: > 0 })
        {
            counters.CountRefused();
            return Respond(writer, response, limit, header, asked, clientEdns, snapshot, DnsResponseCode.NoError, null, BadVersionEdns);
        }

        var node = snapshot.Find(question.Name);
        var inZone = node is not null || snapshot.IsInZone(question.Name);
        var servedClass = question.Class is DnsClass.IN or DnsClass.ANY;
        if (!inZone)
        {
            if (!servedClass || IsMetaType(question.Type))
            {
                counters.CountRefused();
                return Respond(writer, response, limit, header, asked, clientEdns, snapshot, DnsResponseCode.Refused, null);
            }

            counters.CountForwarded();
            LogForwarding(client, question);
            return new HandledQuery(QueryOutcome.Forward, 0, limit);
        }

        if (!servedClass)
        {
            counters.CountRefused();
            return Respond(writer, response, limit, header, asked, clientEdns, snapshot, DnsResponseCode.Refused, null);
        }

        if (IsMetaType(question.Type))
        {
            // No zone transfers and no obsolete mailbox queries.
            counters.CountRefused();
            return Respond(writer, response, limit, header, asked, clientEdns, snapshot, DnsResponseCode.NotImplemented, null);
        }

        counters.CountAnswered();
        LogAnswering(client, question, node);
        return Respond(writer, response, limit, header, asked, clientEdns, snapshot, node is null ? DnsResponseCode.NameError : DnsResponseCode.NoError, node);
    }

    /// <summary>
    /// The common case without decoding into objects: a plain query (<see cref="PlainQuery"/>) for a name of the zone as
    /// the zone spells it, or for a name to forward. Allocates nothing once the name's answer to the type is kept in
    /// wire form (<see cref="WireAnswer"/>): then answering is a copy. Everything else (NXDOMAIN, which echoes the
    /// name as asked, other spellings, classes, EDNS versions, debug logging) returns false for the decoding path.
    /// </summary>
    private bool TryHandlePlain(in PlainQuery query, DnsTransport transport, DnsHeader header, DnsMessageWriter writer, Memory<byte> response, out HandledQuery handled)
    {
        handled = default;
        if (query.EdnsVersion > 0 || query.UnicastResponse || query.Class is not (DnsClass.IN or DnsClass.ANY) ||
            IsMetaType(query.Type) || logger.IsEnabled(LogLevel.Debug))
        {
            return false;
        }

        var snapshot = zone.Current;
        var node = snapshot.Find(query.Name);
        var limit = ResponseLimit(transport, query.HasEdns ? query.UdpPayloadSize : null);
        if (node is null)
        {
            if (snapshot.IsInZone(query.Name))
            {
                return false;
            }

            counters.CountForwarded();
            handled = new HandledQuery(QueryOutcome.Forward, 0, limit);
            return true;
        }

        if (!DnsWireNames.IsSpelledAs(query.Name, node.Name))
        {
            return false;
        }

        counters.CountAnswered();
        // Rotated addresses change from one answer to the next: those are built every time.
        var answers = node.RotateAddresses ? null : node.Answers;
        if (answers?.Get(query.Type, query.HasEdns) is { } cached &&
            cached.TryWrite(header.Id, (ushort)header.Flags, query.Question, limit, response.Span, out var length))
        {
            handled = new HandledQuery(QueryOutcome.Respond, length, limit);
            return true;
        }

        handled = Respond(writer, response, limit, header, new Asked(node.Name, query.Type, query.Class, false), query.HasEdns, snapshot, DnsResponseCode.NoError, node);
        if (answers is not null && WireAnswer.From(response.Span[..handled.Length], query.Question.Length) is { } built)
        {
            answers.Set(query.Type, query.HasEdns, built);
        }

        return true;
    }

    /// <summary>
    /// Public clients are refused over any transport. The rate limit is for UDP only: it exists against amplification,
    /// which needs a forged source address, and a TCP client has completed a handshake from its own (TCP work is
    /// bounded by the connection limit instead). That is also what lets a slipped client get its answer over TCP.
    /// </summary>
    private RefusalReason? Refuse(ClientAddress client, DnsTransport transport)
    {
        if (!policy.AllowPublicClients && !IpRanges.IsLocalScope(client.Value))
        {
            return RefusalReason.PublicClient;
        }

        if (transport != DnsTransport.Udp || policy.Limiter is not { } limiter)
        {
            return null;
        }

        return limiter.Check(client) switch
        {
            RateLimitDecision.Allowed => null,
            RateLimitDecision.Slip => RefusalReason.Slip,
            _ => RefusalReason.RateLimited,
        };
    }

    private static int ResponseLimit(DnsTransport transport, ushort? ednsUdpSize) => transport == DnsTransport.Udp
        ? Math.Clamp((int)(ednsUdpSize ?? MinUdpSize), MinUdpSize, MaxUdpSize)
        : MaxTcpSize;

    // IXFR, AXFR, MAILB, MAILA: question-only types that ask for transfers, not records.
    private static bool IsMetaType(DnsType type) => (ushort)type is >= 251 and <= 254;

    private HandledQuery Respond(
        DnsMessageWriter writer,
        Memory<byte> response,
        int limit,
        DnsHeader query,
        in Asked question,
        bool clientEdns,
        ZoneSnapshot snapshot,
        DnsResponseCode code,
        ZoneNode? node,
        OptRecord? edns = null)
    {
        var authoritative = code is DnsResponseCode.NoError or DnsResponseCode.NameError && edns is null;
        writer.Reset(response[..Math.Min(limit, response.Length)]);
        writer.TryAddQuestion(question.Name, question.Type, question.Class, question.UnicastResponse);
        var truncated = false;
        if (authoritative)
        {
            var answers = node is null ? 0 : AddAnswers(writer, node, question.Type, ref truncated);
            if (!truncated && answers == 0)
            {
                // NXDOMAIN or NODATA: the SOA tells caches how long to remember that (RFC 2308 §3).
                truncated = !writer.TryAddRecord(DnsSection.Authority, snapshot.Soa);
            }
            else if (!truncated && question.Type is DnsType.SRV or DnsType.ANY)
            {
                AddTargetAddresses(writer, snapshot, node!);
            }
        }

        if (truncated)
        {
            // RFC 2181 §9: a truncated answer is dropped whole; the client retries over TCP.
            writer.Reset(response[..Math.Min(limit, response.Length)]);
            writer.TryAddQuestion(question.Name, question.Type, question.Class, question.UnicastResponse);
        }

        if (clientEdns)
        {
            writer.TryAddEdns(edns ?? ServerEdns);
        }

        var length = writer.Complete(new DnsHeader
        {
            Id = query.Id,
            IsResponse = true,
            IsAuthoritativeAnswer = authoritative,
            IsTruncated = truncated,
            RecursionDesired = query.RecursionDesired,
            RecursionAvailable = true,
            CheckingDisabled = query.CheckingDisabled,
            ResponseCode = code,
        });
        return new HandledQuery(QueryOutcome.Respond, length, limit);
    }

    private int AddAnswers(DnsMessageWriter writer, ZoneNode node, DnsType type, ref bool truncated)
    {
        var added = 0;
        switch (type)
        {
            case DnsType.ANY:
                added += AddRecords(writer, node.Soa, rotate: false, ref truncated);
                added += AddRecords(writer, node.Ns, rotate: false, ref truncated);
                added += AddRecords(writer, node.A, rotate: false, ref truncated);
                added += AddRecords(writer, node.Aaaa, rotate: false, ref truncated);
                added += AddRecords(writer, node.Srv, rotate: false, ref truncated);
                added += AddRecords(writer, node.Txt, rotate: false, ref truncated);
                break;
            default:
                added = AddRecords(writer, node.Records(type), node.RotateAddresses, ref truncated);
                break;
        }

        return added;
    }

    private int AddRecords(DnsMessageWriter writer, DnsResourceRecord[] records, bool rotate, ref bool truncated)
    {
        if (truncated || records.Length == 0)
        {
            return 0;
        }

        var start = rotate && records.Length > 1 ? (int)((uint)Interlocked.Increment(ref _rotation) % (uint)records.Length) : 0;
        for (var i = 0; i < records.Length; i++)
        {
            if (!writer.TryAddRecord(DnsSection.Answer, records[(start + i) % records.Length]))
            {
                truncated = true;
                return i;
            }
        }

        return records.Length;
    }

    /// <summary>Addresses of SRV targets ride along in the additional section, saving the client a round trip.</summary>
    private static void AddTargetAddresses(DnsMessageWriter writer, ZoneSnapshot snapshot, ZoneNode node)
    {
        foreach (var srv in node.Srv)
        {
            if (snapshot.Find(((SrvRecordData)srv.Data).Target) is { } target &&
                !(AddAdditional(writer, target.A) && AddAdditional(writer, target.Aaaa)))
            {
                return;
            }
        }
    }

    /// <summary>Additional data is optional: what does not fit is left out, without TC (RFC 2181 §9).</summary>
    private static bool AddAdditional(DnsMessageWriter writer, DnsResourceRecord[] records)
    {
        foreach (var record in records)
        {
            if (!writer.TryAddRecord(DnsSection.Additional, record))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// The slip reply to a client over its rate: its question, no answers, TC set, so a real client retries over TCP.
    /// Never larger than the query (its OPT record is left out), so it amplifies nothing.
    /// </summary>
    private static HandledQuery Slip(ReadOnlySpan<byte> query, DnsMessageWriter writer, Memory<byte> response, DnsHeader header)
    {
        var questionEnd = PacketInspection.FirstQuestionEnd(query);
        if (questionEnd < 0)
        {
            return Bare(writer, response, header, DnsResponseCode.Refused);
        }

        var length = PacketInspection.WriteHeaderOnlyResponse(query, questionEnd, response.Span, (byte)DnsResponseCode.NoError, truncated: true);
        return new HandledQuery(QueryOutcome.Respond, length, MinUdpSize);
    }

    /// <summary>A header-only response: for what cannot be (or must not be) decoded further.</summary>
    private static HandledQuery Bare(DnsMessageWriter writer, Memory<byte> response, DnsHeader query, DnsResponseCode code)
    {
        writer.Reset(response);
        var length = writer.Complete(new DnsHeader
        {
            Id = query.Id,
            Opcode = query.Opcode,
            IsResponse = true,
            RecursionDesired = query.RecursionDesired,
            RecursionAvailable = true,
            ResponseCode = code,
        });
        return new HandledQuery(QueryOutcome.Respond, length, MinUdpSize);
    }

    /// <summary>The question as it will be echoed.</summary>
    private readonly record struct Asked(DnsName Name, DnsType Type, DnsClass Class, bool UnicastResponse);

    private enum RefusalReason
    {
        PublicClient,
        RateLimited,
        Slip,
    }
}
