namespace Koi.Health.Transitions;

/// <summary>
/// The first state health decides for a check, a machine or a proxy entry, as the <c>baseline</c> event carries it. It
/// is not a transition (nothing goes to <c>logs/health.log</c>), but it changes what <c>/v1/health/status</c> shows
/// (from <c>unknown</c>), so a live view that read the board before it must hear of it.
/// </summary>
/// <param name="Subject">The check, machine or proxy entry name.</param>
/// <param name="Label">The state decided, e.g. <c>up</c>, <c>down</c>, <c>200</c> or <c>refused</c>.</param>
/// <param name="Up">Whether <paramref name="Subject"/> is up.</param>
public sealed record BaselineEvent(DateTimeOffset At, string Subject, SubjectKind Kind, string Label, bool Up);
