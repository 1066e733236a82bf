using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Serialization;
using Koi.Core.Storage;

namespace Koi.Certmesh.Enrollment;

/// <summary>
/// Joins that passed every rule but wait for an operator (roster <c>require_approval</c>). Memory only: a restart
/// forgets them and the joiner starts again with a fresh code. A request waits <see cref="EnrollmentPolicy.PendingLifetime"/>;
/// once decided or expired it still answers its joiner's poll for <see cref="EnrollmentPolicy.DecidedRetention"/>.
/// The authority's gate serialises changes; <see cref="WaitingCount"/> may be read from anywhere (status).
/// </summary>
internal sealed class PendingJoins(EnrollmentPolicy policy, TimeProvider time)
{
    private readonly Dictionary<string, PendingJoin> _requests = new(StringComparer.Ordinal);
    private int _waiting;

    public int WaitingCount => Volatile.Read(ref _waiting);

    /// <summary>Requests that ran out of time since the last sweep (now marked expired), for the caller to audit.</summary>
    public List<PendingJoin> Sweep()
    {
        var now = time.GetUtcNow();
        var expired = new List<PendingJoin>();
        foreach (var (id, request) in _requests.ToList())
        {
            if (request.State == PendingState.Pending && request.ExpiresAt <= now)
            {
                request.Decide(PendingState.Expired, now, null, "not approved in time");
                expired.Add(request);
            }
            else if (request.State != PendingState.Pending && request.DecidedAt + policy.DecidedRetention <= now)
            {
                _requests.Remove(id);
            }
        }

        Recount();
        return expired;
    }

    public bool IsFull => _requests.Count >= policy.MaxPending;

    public PendingJoin Add(JoinCandidate candidate, string hostname, IPAddress source)
    {
        var now = time.GetUtcNow();
        var request = new PendingJoin(NewId(), hostname, candidate, source, now, now + policy.PendingLifetime);
        _requests.Add(request.RequestId, request);
        Recount();
        return request;
    }

    public PendingJoin? Find(string requestId) => _requests.GetValueOrDefault(requestId);

    public PendingJoin? Waiting(string hostname) =>
        _requests.Values.FirstOrDefault(r => r.State == PendingState.Pending && r.Hostname == hostname);

    public IReadOnlyList<PendingJoin> AllWaiting() =>
        [.. _requests.Values.Where(r => r.State == PendingState.Pending).OrderBy(r => r.RequestedAt)];

    public void Decide(PendingJoin request, PendingState state, string? by, string? reason, JoinIssued? issued = null)
    {
        request.Decide(state, time.GetUtcNow(), by, reason, issued);
        Recount();
    }

    private void Recount() => Volatile.Write(ref _waiting, _requests.Values.Count(r => r.State == PendingState.Pending));

    /// <summary>128 random bits, URL-safe: the only handle a joiner has, so it must not be guessable.</summary>
    private static string NewId() =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(16)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

[JsonConverter(typeof(SnakeCaseEnumConverter<PendingState>))]
internal enum PendingState
{
    Pending,
    Approved,
    Denied,
    Expired,
}

internal sealed class PendingJoin(string requestId, string hostname, JoinCandidate candidate, IPAddress source, DateTimeOffset requestedAt, DateTimeOffset expiresAt)
{
    public string RequestId { get; } = requestId;

    public string Hostname { get; } = hostname;

    public JoinCandidate Candidate { get; } = candidate;

    public IPAddress Source { get; } = source;

    public DateTimeOffset RequestedAt { get; } = requestedAt;

    public DateTimeOffset ExpiresAt { get; } = expiresAt;

    public PendingState State { get; private set; } = PendingState.Pending;

    public DateTimeOffset DecidedAt { get; private set; }

    public string? DecidedBy { get; private set; }

    public string? Reason { get; private set; }

    public JoinIssued? Issued { get; private set; }

    public void Decide(PendingState state, DateTimeOffset at, string? by, string? reason, JoinIssued? issued = null)
    {
        State = state;
        DecidedAt = at;
        DecidedBy = by;
        Reason = reason;
        Issued = issued;
    }
}
