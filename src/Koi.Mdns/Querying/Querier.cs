using Koi.Dns.Protocol;
using Koi.Mdns.Caching;
using Koi.Mdns.Scheduling;
using Koi.Mdns.Transport;
using Koi.Mdns.Wire;

namespace Koi.Mdns.Querying;

/// <summary>
/// The querier half of RFC 6762: continuous questions with growing intervals (§5.2), known-answer lists (§7.1),
/// duplicate-question suppression (§7.3) and refresh queries for cached answers still wanted (§5.2). How many
/// questions it keeps is bounded. Not thread-safe: engine lock.
/// </summary>
internal sealed class Querier(EngineScheduler scheduler, Random random, Outbox outbox, RecordCache cache, int maxQuestions)
{
    private static readonly TimeSpan SuppressionWindow = TimeSpan.FromSeconds(1);

    private readonly Dictionary<NameTypeKey, ContinuousQuestion> _questions = [];
    private readonly HashSet<(NameTypeKey Key, int Interface)> _refresh = [];
    private readonly HashSet<(NameTypeKey Key, int Interface)> _reconfirm = [];
    private readonly List<NameTypeKey> _stale = [];
    private readonly List<ContinuousQuestion> _due = [];
    private LinkSet _links = LinkSet.Empty;
    private ScheduledWork? _next;

    public int Count => _questions.Count;

    /// <summary>Questions refused because <c>maxQuestions</c> were already asked.</summary>
    public long Refused { get; private set; }

    public long QueriesSent { get; private set; }

    public void Start(LinkSet links) => _links = links;

    public bool IsAsking(NameTypeKey key) => _questions.ContainsKey(key);

    public ContinuousQuestion? Question(NameTypeKey key) => _questions.GetValueOrDefault(key);

    /// <summary>Makes the set of continuous questions equal to <paramref name="desired"/>; new ones start within 20–120 ms.</summary>
    public void Sync(HashSet<NameTypeKey> desired)
    {
        _stale.Clear();
        foreach (var key in _questions.Keys)
        {
            if (!desired.Contains(key))
            {
                _stale.Add(key);
            }
        }

        foreach (var key in _stale)
        {
            _questions.Remove(key);
        }

        var now = scheduler.Now;
        foreach (var key in desired)
        {
            if (_questions.ContainsKey(key))
            {
                continue;
            }

            if (_questions.Count >= maxQuestions)
            {
                Refused++;
                continue;
            }

            // §5.2: the first query of a continuous series waits 20–120 ms, so questions asked at once share a packet.
            _questions[key] = new ContinuousQuestion(key, now + TimeSpan.FromMilliseconds(random.Next(20, 121)));
        }

        Reschedule();
    }

    /// <summary>A cached answer that is still wanted reached a refresh point; ask for it soon, on its interface.</summary>
    public void Refresh(NameTypeKey key, int interfaceIndex)
    {
        if (_refresh.Count < maxQuestions && _refresh.Add((key, interfaceIndex)))
        {
            Reschedule();
        }
    }

    /// <summary>
    /// §10.4: a cached answer whose owner may be gone; ask for it now on its interface, even when it is also a
    /// continuous question not yet due (a refresh would wait for that question's own schedule).
    /// </summary>
    public void Reconfirm(NameTypeKey key, int interfaceIndex)
    {
        if (_reconfirm.Count < maxQuestions && _reconfirm.Add((key, interfaceIndex)))
        {
            Reschedule();
        }
    }

    /// <summary>
    /// §7.3: another host asked one of our questions (as QM) and listed every known answer we would list; its query
    /// serves us as well, so ours counts as sent.
    /// </summary>
    public void OnPeerQuery(ReceivedPacket packet, DnsMessage message)
    {
        var now = scheduler.Now;
        var changed = false;
        foreach (var question in message.Questions)
        {
            if (question.UnicastResponse ||
                !_questions.TryGetValue(new NameTypeKey(question.Name, question.Type), out var ours) ||
                ours.NextAt > now + SuppressionWindow)
            {
                continue;
            }

            if (TheirKnownAnswersCoverOurs(ours.Key, packet.Link.InterfaceIndex, message, now))
            {
                ours.Asked(now);
                changed = true;
            }
        }

        if (changed)
        {
            Reschedule();
        }
    }

    private bool TheirKnownAnswersCoverOurs(NameTypeKey key, int interfaceIndex, DnsMessage message, DateTimeOffset now)
    {
        foreach (var cached in cache.Find(key.Name, key.Type))
        {
            if (cached.InterfaceIndex != interfaceIndex || !cached.IsFreshForKnownAnswer(now))
            {
                continue;
            }

            var listed = false;
            foreach (var known in message.Answers)
            {
                if (RecordIdentity.Same(known, cached.Record))
                {
                    listed = true;
                    break;
                }
            }

            if (!listed)
            {
                return false;
            }
        }

        return true;
    }

    private void SendDue()
    {
        _next = null;
        var now = scheduler.Now;
        _due.Clear();
        foreach (var question in _questions.Values)
        {
            if (question.NextAt <= now)
            {
                _due.Add(question);
            }
        }

        foreach (var link in _links.Links)
        {
            var query = new OutgoingMessage(link, null, default);
            foreach (var question in _due)
            {
                AddQuestion(query, question.Key, link.InterfaceIndex, now);
            }

            foreach (var (key, interfaceIndex) in _refresh)
            {
                if (interfaceIndex == link.InterfaceIndex && !_questions.ContainsKey(key))
                {
                    AddQuestion(query, key, interfaceIndex, now);
                }
            }

            foreach (var (key, interfaceIndex) in _reconfirm)
            {
                if (interfaceIndex == link.InterfaceIndex)
                {
                    AddQuestion(query, key, interfaceIndex, now);
                }
            }

            if (query.Questions.Count > 0)
            {
                QueriesSent++;
                outbox.Add(query);
            }
        }

        foreach (var question in _due)
        {
            question.Asked(now);
        }

        _refresh.Clear();
        _reconfirm.Clear();
        Reschedule();
    }

    private void AddQuestion(OutgoingMessage query, NameTypeKey key, int interfaceIndex, DateTimeOffset now)
    {
        foreach (var existing in query.Questions)
        {
            if (existing.Name.Equals(key.Name) && existing.Type == key.Type)
            {
                return;
            }
        }

        query.Questions.Add(new DnsQuestion(key.Name, key.Type));
        foreach (var cached in cache.Find(key.Name, key.Type))
        {
            if (cached.InterfaceIndex == interfaceIndex && cached.IsFreshForKnownAnswer(now))
            {
                // §7.1: a known answer carries the TTL it has left, so responders can judge whether it is fresh enough.
                var remaining = (uint)Math.Max(0, Math.Floor(cached.Remaining(now).TotalSeconds));
                query.Answers.Add(cached.Record with { Ttl = remaining, CacheFlush = false });
            }
        }
    }

    private void Reschedule()
    {
        DateTimeOffset? earliest = _refresh.Count > 0 || _reconfirm.Count > 0 ? scheduler.Now : null;
        foreach (var question in _questions.Values)
        {
            if (earliest is null || question.NextAt < earliest)
            {
                earliest = question.NextAt;
            }
        }

        if (_next is not null && earliest == _next.Due)
        {
            return;
        }

        _next?.Cancel();
        _next = earliest is { } due ? scheduler.At(due, SendDue) : null;
    }
}
