using Microsoft.Extensions.Logging;

namespace Koi.Daemon;

/// <summary>
/// The daemon's safety net for fire-and-forget work: a task that failed and that nobody awaited would otherwise
/// vanish without a word. Components report their own failures; this catches what slipped past them, in the log.
/// </summary>
internal sealed partial class UnobservedTaskLogger : IDisposable
{
    private readonly ILogger _logger;

    private UnobservedTaskLogger(ILogger logger)
    {
        _logger = logger;
        TaskScheduler.UnobservedTaskException += OnUnobserved;
    }

    public static UnobservedTaskLogger Attach(ILogger logger) => new(logger);

    public void Dispose() => TaskScheduler.UnobservedTaskException -= OnUnobserved;

    private void OnUnobserved(object? sender, UnobservedTaskExceptionEventArgs e)
    {
        LogUnobserved(_logger, e.Exception.InnerExceptions.Count == 1 ? e.Exception.InnerException! : e.Exception);
        e.SetObserved();
    }

    [LoggerMessage(EventId = 90, Level = LogLevel.Error, Message = "a background task failed and nothing was waiting for it; this is a bug, please report it")]
    private static partial void LogUnobserved(ILogger logger, Exception exception);
}
