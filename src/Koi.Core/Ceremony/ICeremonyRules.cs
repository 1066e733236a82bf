namespace Koi.Core.Ceremony;

/// <summary>
/// The domain side of a ceremony: given everything collected so far, decide what to ask next or finish.
/// Rules must be re-entrant: the same bag always leads to the same decision.
/// </summary>
public interface ICeremonyRules
{
    /// <summary>The ceremony name clients put in <c>ceremony</c>, e.g. <c>init</c>.</summary>
    string Name { get; }

    ValueTask<EvalResult> EvaluateAsync(CeremonyBag bag, CancellationToken cancellationToken);
}
