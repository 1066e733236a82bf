using System.Collections.Concurrent;
using Koi.Health.Checks;
using Koi.Health.Probes;

namespace Koi.Health.Tests.Support;

/// <summary>A probe whose answer per check the test sets; records when each run started.</summary>
internal sealed class FakeProbe(TimeProvider time) : ICheckProbe
{
    private readonly ConcurrentDictionary<string, Func<CancellationToken, Task<ProbeResult>>> _behaviour = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, ConcurrentQueue<DateTimeOffset>> _starts = new(StringComparer.OrdinalIgnoreCase);
    private int _inFlight;
    private int _maxInFlight;

    public static ProbeResult Ok => new(true, "200");

    public static ProbeResult Bad => new(false, "502", "HTTP 502 Bad Gateway");

    public int MaxInFlight => Volatile.Read(ref _maxInFlight);

    public void Answer(string name, ProbeResult result) => _behaviour[name] = _ => Task.FromResult(result);

    /// <summary>Never answers; only cancellation ends it.</summary>
    public void Hang(string name) => _behaviour[name] = async ct =>
    {
        await Task.Delay(Timeout.Infinite, ct);
        throw new InvalidOperationException("unreachable");
    };

    /// <summary>Never answers and ignores cancellation, like a badly behaved library call.</summary>
    public void HangDeaf(string name) => _behaviour[name] = _ => new TaskCompletionSource<ProbeResult>().Task;

    public IReadOnlyList<DateTimeOffset> Starts(string name) => _starts.TryGetValue(name, out var q) ? [.. q] : [];

    public async Task<ProbeResult> ProbeAsync(CheckDefinition check, CancellationToken cancellationToken)
    {
        _starts.GetOrAdd(check.Name, _ => new ConcurrentQueue<DateTimeOffset>()).Enqueue(time.GetUtcNow());
        var now = Interlocked.Increment(ref _inFlight);
        int seen;
        while (now > (seen = Volatile.Read(ref _maxInFlight)) && Interlocked.CompareExchange(ref _maxInFlight, now, seen) != seen)
        {
        }

        try
        {
            var behaviour = _behaviour.TryGetValue(check.Name, out var b) ? b : _ => Task.FromResult(Ok);
            return await behaviour(cancellationToken);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }
}
