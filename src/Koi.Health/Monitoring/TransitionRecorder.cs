using Koi.Health.Transitions;
using Microsoft.Extensions.Logging;

namespace Koi.Health.Monitoring;

/// <summary>Writes each transition decided to the daemon log and to <c>logs/health.log</c>.</summary>
internal sealed partial class TransitionRecorder(TransitionLog log, ILogger logger)
{
    public TransitionLog Log => log;

    public static string Word(bool up) => up ? "up" : "down";

    // Caller holds the monitor's lock. Appending under the lock keeps the file in the order transitions were decided.
    public void Record(Transition transition)
    {
        LogTransition(logger, transition.Subject, transition.From, transition.To, transition.Reason);
        try
        {
            log.Append(transition);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogAppendFailed(logger, ex);
        }
    }
}
