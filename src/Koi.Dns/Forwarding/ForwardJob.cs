using System.Buffers.Binary;
using System.Net;
using Koi.Dns.Resolving;

namespace Koi.Dns.Forwarding;

/// <summary>
/// One forwarded query, from the moment it leaves for an upstream until its answer (or SERVFAIL) is delivered. It is
/// owned by one party at a time: the forwarder while sending, the pending table while waiting, then whoever took it
/// out of the table (the answer's receive thread, the timeout sweep, a TCP retry). Only the owner touches it.
/// </summary>
internal abstract class ForwardJob
{
    private const int InitialQuerySize = 512;

    // A question is at most a 255-byte name, type and class.
    private readonly byte[] _sentQuestion = new byte[255 + 4];
    private byte[] _query = new byte[InitialQuerySize];
    private int _sentQuestionLength;

    /// <summary>The client's query, with the client's id.</summary>
    public ReadOnlySpan<byte> Query => _query.AsSpan(0, QueryLength);

    public ReadOnlyMemory<byte> QueryMemory => _query.AsMemory(0, QueryLength);

    public int QueryLength { get; private set; }

    public int QuestionEnd { get; private set; }

    /// <summary>The largest response the client takes; larger answers become an empty TC response.</summary>
    public int ResponseLimit { get; private set; }

    public ushort ClientId => BinaryPrimitives.ReadUInt16BigEndian(_query);

    /// <summary>The upstream being asked, in the forwarder's order.</summary>
    public int UpstreamIndex { get; set; }

    /// <summary>The source port the query went out from; only an answer arriving there is taken.</summary>
    public int SourcePort { get; set; }

    /// <summary>The question exactly as it was sent (letter case randomised, <see cref="CaseMix"/>).</summary>
    public ReadOnlySpan<byte> SentQuestion => _sentQuestion.AsSpan(0, _sentQuestionLength);

    /// <summary>Remembers the question of <paramref name="wire"/>, the query as it goes out.</summary>
    public void RecordSentQuestion(ReadOnlySpan<byte> wire)
    {
        var question = wire[PacketInspection.HeaderSize..QuestionEnd];
        question.CopyTo(_sentQuestion);
        _sentQuestionLength = question.Length;
    }

    /// <summary>Puts the client's own question (its letter case) back into an answer that echoed the sent one.</summary>
    public void RestoreQuestion(Span<byte> answer) =>
        Query[PacketInspection.HeaderSize..QuestionEnd].CopyTo(answer[PacketInspection.HeaderSize..]);

    /// <summary>When the client's query was taken (a <see cref="System.Diagnostics.Stopwatch"/> timestamp), for the latency histogram.</summary>
    public long Received { get; private set; }

    /// <summary>When the upstream being asked has had its time (a <see cref="TimeProvider"/> timestamp).</summary>
    public long Deadline { get; set; }

    /// <summary>Sends or hands over the response; after this the job belongs to nobody (or back to its pool).</summary>
    public abstract void Deliver(ReadOnlySpan<byte> response, IPEndPoint? upstream);

    /// <summary>
    /// Writes a header-only response (SERVFAIL, or an empty TC answer) over the job's copy of the query, which is not
    /// needed after that, and returns it.
    /// </summary>
    public ReadOnlySpan<byte> HeaderOnlyResponse(byte responseCode, bool truncated)
    {
        var length = PacketInspection.WriteHeaderOnlyResponse(Query, QuestionEnd, _query, responseCode, truncated);
        return _query.AsSpan(0, length);
    }

    protected void Load(ReadOnlySpan<byte> query, int questionEnd, int responseLimit)
    {
        if (query.Length > _query.Length)
        {
            _query = new byte[query.Length];
        }

        query.CopyTo(_query);
        QueryLength = query.Length;
        QuestionEnd = questionEnd;
        ResponseLimit = responseLimit;
        UpstreamIndex = 0;
        Deadline = 0;
        SourcePort = 0;
        _sentQuestionLength = 0;
        Received = System.Diagnostics.Stopwatch.GetTimestamp();
    }

    /// <summary>Drops a copy buffer grown for an unusually large query, so a pooled job does not keep it.</summary>
    protected void TrimQueryBuffer()
    {
        if (_query.Length > InitialQuerySize * 8)
        {
            _query = new byte[InitialQuerySize];
        }
    }
}
