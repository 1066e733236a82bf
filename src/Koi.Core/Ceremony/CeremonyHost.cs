using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Koi.Core.Errors;
using Koi.Core.Status;

namespace Koi.Core.Ceremony;

/// <summary>
/// Runs server-driven ceremonies: keeps sessions in memory, merges each request into the session's bag
/// and lets the rules decide what comes next.
/// </summary>
public sealed partial class CeremonyHost : IDisposable
{
    public static readonly TimeSpan DefaultTtl = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(60);

    private const int MaxKeyLength = 64;
    private const int MaxValueLength = 16 * 1024;

    private readonly ConcurrentDictionary<string, ICeremonyRules> _rules = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, CeremonySession> _sessions = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly TimeSpan _ttl;
    private readonly ITimer _sweeper;
    private readonly ComponentHealth? _health;

    /// <param name="health">Where the sweeper reports its own state (<c>core/ceremony_sweeper</c> in the daemon).</param>
    public CeremonyHost(IEnumerable<ICeremonyRules> rules, TimeProvider time, TimeSpan? ttl = null, ComponentHealth? health = null)
    {
        _time = time;
        _ttl = ttl ?? DefaultTtl;
        _health = health;
        foreach (var rule in rules)
        {
            Register(rule);
        }

        _sweeper = time.CreateTimer(_ => SweepOnTimer(), null, SweepInterval, SweepInterval);
        _health?.Running(SweeperDetail);
    }

    private string SweeperDetail => $"{_rules.Count} ceremonies, sweep every {SweepInterval.TotalSeconds:0}s";

    public int SessionCount => _sessions.Count;

    public IReadOnlyCollection<string> Ceremonies => [.. _rules.Keys];

    public void Register(ICeremonyRules rules)
    {
        if (!_rules.TryAdd(rules.Name, rules))
        {
            throw new InvalidOperationException($"ceremony '{rules.Name}' is registered twice");
        }
    }

    public async Task<CeremonyResponse> ProcessAsync(CeremonyRequest request, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request.Ceremony))
        {
            throw new KoiException(KoiErrorCode.InvalidRequest, "'ceremony' is required");
        }

        if (!_rules.TryGetValue(request.Ceremony, out var rules))
        {
            throw new KoiException(KoiErrorCode.CeremonyNotFound, $"no ceremony named '{request.Ceremony}'");
        }

        var session = GetOrStartSession(request, rules);
        await session.Gate.WaitAsync(cancellationToken);
        try
        {
            // A request that raced the sweeper must not resurrect an expired session.
            if (!_sessions.ContainsKey(session.Id))
            {
                throw new KoiException(KoiErrorCode.SessionExpired, "ceremony session expired; start again");
            }

            Merge(session.Bag, request);
            session.Touch(_time.GetUtcNow());
            return await EvaluateAsync(session, rules, cancellationToken);
        }
        finally
        {
            session.Gate.Release();
        }
    }

    /// <summary>
    /// Runs a ceremony in one go from pre-supplied data, for non-interactive callers. Missing inputs are an error
    /// that names every missing key.
    /// </summary>
    public async Task<CeremonyResponse> RunToCompletionAsync(string ceremony, Dictionary<string, System.Text.Json.JsonElement> data, CancellationToken cancellationToken)
    {
        var response = await ProcessAsync(new CeremonyRequest(null, ceremony, data), cancellationToken);
        if (response.Complete)
        {
            return response;
        }

        End(response.SessionId);
        var problems = new List<string>();
        foreach (var message in response.Messages)
        {
            if (message.Kind == MessageKind.Error)
            {
                problems.Add(message.Content);
            }
        }

        var missing = new List<string>();
        foreach (var prompt in response.Prompts)
        {
            if (prompt.Required)
            {
                missing.Add(prompt.Key);
            }
        }

        var text = missing.Count > 0 ? $"missing required input: {string.Join(", ", missing)}" : "ceremony needs more input";
        if (problems.Count > 0)
        {
            text = $"{string.Join("; ", problems)} ({text})";
        }

        throw new KoiException(KoiErrorCode.InvalidRequest, text);
    }

    public void End(string sessionId) => _sessions.TryRemove(sessionId, out _);

    /// <summary>Drops sessions idle for longer than the TTL. Runs on its own every minute.</summary>
    public int Sweep()
    {
        var now = _time.GetUtcNow();
        var removed = 0;
        foreach (var (id, session) in _sessions)
        {
            if (now - session.LastTouched > _ttl && _sessions.TryRemove(id, out _))
            {
                removed++;
            }
        }

        return removed;
    }

    public void Dispose()
    {
        _sweeper.Dispose();
        _health?.Stopped("shutting down");
    }

    // On a timer thread, where an exception would end the process: shown instead, and the next sweep tries again.
    private void SweepOnTimer()
    {
        try
        {
            Sweep();
            _health?.Running(SweeperDetail);
        }
        catch (Exception ex)
        {
            _health?.Failed($"sweep failed: {ex.GetType().Name}: {ex.Message}");
        }
    }

    private CeremonySession GetOrStartSession(CeremonyRequest request, ICeremonyRules rules)
    {
        if (string.IsNullOrEmpty(request.SessionId))
        {
            var now = _time.GetUtcNow();
            var created = new CeremonySession(Guid.CreateVersion7(now).ToString(), rules.Name, now);
            _sessions[created.Id] = created;
            return created;
        }

        if (!_sessions.TryGetValue(request.SessionId, out var session))
        {
            throw new KoiException(KoiErrorCode.SessionExpired, "unknown or expired ceremony session; start again");
        }

        if (_time.GetUtcNow() - session.LastTouched > _ttl)
        {
            End(session.Id);
            throw new KoiException(KoiErrorCode.SessionExpired, "ceremony session expired; start again");
        }

        if (session.Ceremony != rules.Name)
        {
            throw new KoiException(KoiErrorCode.InvalidRequest, $"session belongs to ceremony '{session.Ceremony}'");
        }

        return session;
    }

    private static void Merge(CeremonyBag bag, CeremonyRequest request)
    {
        if (request.Data is null)
        {
            return;
        }

        // Check everything before setting anything: a rejected request leaves the session as it was.
        foreach (var (key, value) in request.Data)
        {
            if (CeremonyBag.IsInternal(key) || key.Length > MaxKeyLength || !KeyPattern().IsMatch(key))
            {
                throw new KoiException(KoiErrorCode.InvalidRequest, $"'{Truncate(key)}' is not a valid ceremony input key");
            }

            if (value.GetRawText().Length > MaxValueLength)
            {
                throw new KoiException(KoiErrorCode.InvalidRequest, $"value for '{key}' is too long");
            }
        }

        foreach (var (key, value) in request.Data)
        {
            bag.Set(key, value);
        }
    }

    private async Task<CeremonyResponse> EvaluateAsync(CeremonySession session, ICeremonyRules rules, CancellationToken cancellationToken)
    {
        var errors = new List<CeremonyMessage>();

        // Each rejected value is dropped and the rules asked again; the bound guards against rules that reject forever.
        for (var attempt = 0; attempt < 32; attempt++)
        {
            EvalResult result;
            try
            {
                result = await rules.EvaluateAsync(session.Bag, cancellationToken);
            }
            catch (KoiException)
            {
                End(session.Id);
                throw;
            }

            switch (result)
            {
                case EvalResult.ValidationError invalid:
                    session.Bag.Remove(invalid.Key);
                    errors.Add(new CeremonyMessage(MessageKind.Error, invalid.Key, invalid.Message));
                    continue;
                case EvalResult.NeedInput need:
                    return new CeremonyResponse(session.Id, rules.Name, need.Prompts, [.. errors, .. need.Messages], Complete: false);
                case EvalResult.Complete done:
                    End(session.Id);
                    return new CeremonyResponse(session.Id, rules.Name, [], [.. errors, .. done.Messages], Complete: true, done.Result);
                case EvalResult.Fatal fatal:
                    End(session.Id);
                    throw new KoiException(fatal.Code, fatal.Message);
            }
        }

        End(session.Id);
        throw new KoiException(KoiErrorCode.Internal, $"ceremony '{rules.Name}' rejected its input repeatedly");
    }

    private static string Truncate(string key) => key.Length <= MaxKeyLength ? key : key[..MaxKeyLength] + "…";

    [GeneratedRegex("^[a-z][a-z0-9_]*$")]
    private static partial Regex KeyPattern();
}
