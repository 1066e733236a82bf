namespace Koi.Health.Transitions;

/// <summary>
/// One state change, as <c>logs/health.log</c>, <c>/v1/health/log</c> and the <c>transition</c> event carry it.
/// </summary>
/// <param name="Subject">The machine, check or proxy entry name, e.g. <c>stone-09</c> or <c>nginx</c>.</param>
/// <param name="Kind">Null when read back from the log file, which does not record it.</param>
/// <param name="From">The state before, e.g. <c>up</c> or <c>200</c>.</param>
/// <param name="To">The state after, e.g. <c>down</c> or <c>502</c>.</param>
/// <param name="Up">Whether <paramref name="Subject"/> is up after the change.</param>
/// <param name="Reason">Why, e.g. <c>mDNS: not seen for 60s</c>, <c>HTTP check failed</c> or <c>proxy: backend … connection refused</c>.</param>
public sealed record Transition(DateTimeOffset At, string Subject, SubjectKind? Kind, string From, string To, bool Up, string Reason);
