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

        if (transport != DnsTransport.Internal && Refuse(client) is { } refusal)
        {
            return refusal == RefusalReason.RateLimited
                ? Bare(writer, response, header, DnsResponseCode.Refused, counters.CountRateLimited)
                : Bare(writer, response, header, DnsResponseCode.Refused, counters.CountRefused);
        }

        if (!DnsMessageReader.TryRead(query, out var message, out _))
        {
            return Bare(writer, response, header, DnsResponseCode.FormatError, counters.CountMalformed);
        }

        if (header.Opcode != DnsOpcode.Query)
        {
            return Bare(writer, response, header, DnsResponseCode.NotImplemented, counters.CountRefused);
        }

        if (message.Questions.Count != 1)
        {
            // RFC 9619: a query has exactly one question.
            return Bare(writer, response, header, DnsResponseCode.FormatError, counters.CountMalformed);
        }

        var limit = ResponseLimit(transport, message.Edns);
        var question = message.Questions[0];
        var snapshot = zone.Current;
        if (message.Edns is { Version: > 0 })
        {
            counters.CountRefused();
            return Respond(writer, response, limit, header, question, message.Edns, snapshot, DnsResponseCode.NoError, null, BadVersionEdns);
        }

        var node = snapshot.Find(question.Name);
        var inZone = node is not null || snapshot.IsInZone(question.Name);
        var servedClass = question.Class is DnsClass.IN or DnsClass.ANY;
        if (!inZone)
        {
            if (!servedClass || IsMetaType(question.Type))
            {
                counters.CountRefused();
                return Respond(writer, response, limit, header, question, message.Edns, snapshot, DnsResponseCode.Refused, null);
            }

            counters.CountForwarded();
            LogForwarding(client, question);
            return new HandledQuery(QueryOutcome.Forward, 0, limit);
        }

        if (!servedClass)
        {
            counters.CountRefused();
            return Respond(writer, response, limit, header, question, message.Edns, snapshot, DnsResponseCode.Refused, null);
        }

        if (IsMetaType(question.Type))
        {
            // No zone transfers (seed 001 §5.2) and no obsolete mailbox queries.
            counters.CountRefused();
            return Respond(writer, response, limit, header, question, message.Edns, snapshot, DnsResponseCode.NotImplemented, null);
        }

        counters.CountAnswered();
        LogAnswering(client, question, node);
        return Respond(writer, response, limit, header, question, message.Edns, snapshot, node is null ? DnsResponseCode.NameError : DnsResponseCode.NoError, node);
    }

    private RefusalReason? Refuse(ClientAddress client)
    {
        if (!policy.AllowPublicClients && !AddressPolicy.IsPrivate(client))
        {
            return RefusalReason.PublicClient;
        }

        return policy.Limiter is { } limiter && limiter.Check(client) != RateLimitDecision.Allowed
            ? RefusalReason.RateLimited
            : null;
    }

    private static int ResponseLimit(DnsTransport transport, OptRecord? edns) => transport == DnsTransport.Udp
        ? Math.Clamp((int)(edns?.UdpPayloadSize ?? MinUdpSize), MinUdpSize, MaxUdpSize)
        : MaxTcpSize;

    // IXFR, AXFR, MAILB, MAILA: question-only types that ask for transfers, not records.
    private static bool IsMetaType(DnsType type) => (ushort)type is >= 251 and <= 254;

    private HandledQuery Respond(
        DnsMessageWriter writer,
        Memory<byte> response,
        int limit,
        DnsHeader query,
        DnsQuestion question,
        OptRecord? clientEdns,
        ZoneSnapshot snapshot,
        DnsResponseCode code,
        ZoneNode? node,
        OptRecord? edns = null)
    {
        var authoritative = code is DnsResponseCode.NoError or DnsResponseCode.NameError && edns is null;
        writer.Reset(response[..Math.Min(limit, response.Length)]);
        writer.TryAddQuestion(question);
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
            writer.TryAddQuestion(question);
        }

        if (clientEdns is not null)
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
                foreach (var records in (DnsResourceRecord[][])[node.Soa, node.Ns, node.A, node.Aaaa, node.Srv, node.Txt])
                {
                    added += AddRecords(writer, records, rotate: false, ref truncated);
                }

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
            if (snapshot.Find(((SrvRecordData)srv.Data).Target) is not { } target)
            {
                continue;
            }

            foreach (var records in (DnsResourceRecord[][])[target.A, target.Aaaa])
            {
                foreach (var record in records)
                {
                    // Additional data is optional: what does not fit is left out, without TC (RFC 2181 §9).
                    if (!writer.TryAddRecord(DnsSection.Additional, record))
                    {
                        return;
                    }
                }
            }
        }
    }

    /// <summary>A header-only response: for what cannot be (or must not be) decoded further.</summary>
    private static HandledQuery Bare(DnsMessageWriter writer, Memory<byte> response, DnsHeader query, DnsResponseCode code, Action count)
    {
        count();
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

    private enum RefusalReason
    {
        PublicClient,
        RateLimited,
    }
}
