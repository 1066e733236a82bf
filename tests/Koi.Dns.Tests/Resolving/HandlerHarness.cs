using Koi.Dns.Resolving;
using Koi.Dns.Safety;
using Koi.Dns.Settings;
using Koi.Dns.Tests.Support;
using Koi.Dns.Zone;
using Microsoft.Extensions.Logging.Abstractions;

namespace Koi.Dns.Tests.Resolving;

/// <summary>A query handler over a fixed zone, called the way a listener calls it.</summary>
internal sealed class HandlerHarness
{
    public static readonly ClientAddress LanClient = ClientAddress.From(IPAddress.Parse("10.77.0.14"));
    public static readonly ClientAddress PublicClient = ClientAddress.From(IPAddress.Parse("198.51.100.7"));

    private readonly byte[] _response = new byte[QueryHandler.MaxTcpSize];
    private readonly DnsMessageWriter _writer;

    public HandlerHarness(QueryPolicy? policy = null, ZoneInputs? inputs = null)
    {
        _writer = new DnsMessageWriter(_response);
        Holder = new ZoneHolder(ZoneBuilder.Build(inputs ?? DefaultZone()));
        Handler = new QueryHandler(Holder, policy ?? new QueryPolicy(false, null), Counters, NullLogger.Instance);
    }

    public ZoneHolder Holder { get; }

    public QueryHandler Handler { get; }

    public DnsCounters Counters { get; } = new();

    public static ZoneInputs DefaultZone() => new()
    {
        Zone = "lan",
        Static = [new StaticEntry("nas.lan", "192.168.1.20"), new StaticEntry("nas.lan", "fd00::20")],
        Services =
        [
            FakeServiceDirectory.Service("Grafana", "_grafana._tcp", "stone-c", 3000, "10.77.0.13"),
            FakeServiceDirectory.Service("Grafana", "_grafana._tcp", "stone-d", 3000, "10.77.0.14"),
        ],
    };

    public (HandledQuery Handled, DnsMessage? Message) Handle(byte[] query, ClientAddress? client = null, DnsTransport transport = DnsTransport.Udp)
    {
        var handled = Handler.Handle(query, client ?? LanClient, transport, _writer, _response);
        return (handled, handled.Outcome == QueryOutcome.Respond ? DnsMessageReader.Read(_response.AsSpan(0, handled.Length)) : null);
    }

    public DnsMessage Ask(string name, DnsType type, ClientAddress? client = null, OptRecord? edns = null)
    {
        var (handled, message) = Handle(Queries.Build(name, type, edns: edns), client);
        Assert.Equal(QueryOutcome.Respond, handled.Outcome);
        return message!;
    }
}
