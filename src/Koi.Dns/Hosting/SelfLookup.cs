using System.Net;
using Koi.Core.Errors;
using Koi.Dns.Api;
using Koi.Dns.Forwarding;
using Koi.Dns.Protocol;
using Koi.Dns.Protocol.Records;
using Koi.Dns.Resolving;
using Koi.Dns.Safety;
using Koi.Dns.Zone;

namespace Koi.Dns.Hosting;

/// <summary>
/// <c>koi dns lookup</c>: a real query through the same handler and forwarder the listeners use, so the answer is the
/// one a client would get, plus which source it came from. Works whether or not the resolver is serving.
/// </summary>
internal static class SelfLookup
{
    private static readonly ClientAddress Self = ClientAddress.From(IPAddress.Loopback);

    public static async Task<LookupView> RunAsync(DnsService service, string? rawName, string? rawType, CancellationToken cancellationToken)
    {
        if (!DnsName.TryParse(rawName?.Trim(), out var name) || name.IsRoot)
        {
            throw new KoiException(KoiErrorCode.InvalidRequest, $"'{rawName}' is not a DNS name");
        }

        var type = ParseType(rawType);
        var query = new byte[DnsName.MaxLength + 64];
        var queryWriter = new DnsMessageWriter(query);
        queryWriter.TryAddQuestion(new DnsQuestion(name, type));
        var queryLength = queryWriter.Complete(new DnsHeader { Id = QueryIds.Next(), RecursionDesired = true });

        var response = new byte[QueryHandler.MaxTcpSize];
        // One snapshot for the answer and for the source it names: a rebuild in between must not make them disagree.
        var snapshot = service.Maintainer.Holder.Current;
        var handler = new QueryHandler(new ZoneHolder(snapshot), QueryPolicy.Internal, new DnsCounters(), service.Logger);
        var handled = handler.Handle(query.AsSpan(0, queryLength), Self, DnsTransport.Internal, new DnsMessageWriter(response), response);
        string source;
        string? upstream = null;
        var length = handled.Length;
        if (handled.Outcome == QueryOutcome.Forward)
        {
            var (forwarder, owned) = service.ForwarderForLookup();
            try
            {
                var result = await forwarder.ForwardAsync(query.AsMemory(0, queryLength), response, QueryHandler.MaxTcpSize, cancellationToken);
                length = result.Length;
                upstream = result.Upstream is null ? null : UpstreamList.Format(result.Upstream);
                source = "upstream";
            }
            finally
            {
                if (owned)
                {
                    await forwarder.DisposeAsync();
                }
            }
        }
        else
        {
            source = snapshot.Find(name)?.Source.ToString().ToLowerInvariant() ?? "zone";
        }

        if (!DnsMessageReader.TryRead(response.AsSpan(0, length), out var message, out _))
        {
            throw new KoiException(KoiErrorCode.Unavailable, "the upstream answered with a message koi cannot decode");
        }

        var answers = new List<AnswerView>();
        Add(answers, message.Answers, "answer");
        Add(answers, message.Authorities, "authority");
        Add(answers, message.Additionals, "additional");
        return new LookupView(
            name.ToString(),
            type.ToString(),
            Rcode(message.Header.ResponseCode),
            message.Header.IsAuthoritativeAnswer,
            source,
            upstream,
            answers);
    }

    private static DnsType ParseType(string? text) => (text ?? "A").ToUpperInvariant() switch
    {
        "A" => DnsType.A,
        "AAAA" => DnsType.AAAA,
        "SRV" => DnsType.SRV,
        "TXT" => DnsType.TXT,
        "NS" => DnsType.NS,
        "SOA" => DnsType.SOA,
        "ANY" => DnsType.ANY,
        _ => throw new KoiException(KoiErrorCode.InvalidRequest, $"type '{text}' is not one of A, AAAA, SRV, TXT, NS, SOA, ANY"),
    };

    private static void Add(List<AnswerView> answers, IReadOnlyList<DnsResourceRecord> records, string section)
    {
        foreach (var record in records)
        {
            answers.Add(new AnswerView(record.Name.ToString(), record.Type.ToString(), record.Ttl, record.Data.ToString() ?? string.Empty, section));
        }
    }

    private static string Rcode(DnsResponseCode code) => code switch
    {
        DnsResponseCode.NoError => "NOERROR",
        DnsResponseCode.FormatError => "FORMERR",
        DnsResponseCode.ServerFailure => "SERVFAIL",
        DnsResponseCode.NameError => "NXDOMAIN",
        DnsResponseCode.NotImplemented => "NOTIMP",
        DnsResponseCode.Refused => "REFUSED",
        _ => code.ToString().ToUpperInvariant(),
    };
}
