using System.Runtime.CompilerServices;
using Koi.Daemon;
using Microsoft.Extensions.Logging;

namespace Koi.Tests.Daemon;

public sealed class UnobservedTaskLoggerTests
{
    [Fact]
    public async Task Attach_FireAndForgetTaskFails_LoggedAsError()
    {
        var logger = new RecordingLogger();
        using (UnobservedTaskLogger.Attach(logger))
        {
            // The runtime reports an unobserved failure when the faulted task is collected.
            for (var attempt = 0; attempt < 50 && !Logged(logger); attempt++)
            {
                await FailUnobservedAsync();
                GC.Collect();
                GC.WaitForPendingFinalizers();
                GC.Collect();
                await Task.Delay(10, TestContext.Current.CancellationToken);
            }
        }

        Assert.True(Logged(logger), "the unobserved failure was not logged");
    }

    private static bool Logged(RecordingLogger logger) =>
        logger.Entries.Any(e => e.Level == LogLevel.Error && e.Message.Contains("a background task failed", StringComparison.Ordinal));

    // Waited for but never observed, as `_ = SomethingAsync()` leaves a failure; the task is garbage once this returns.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Task<Task> FailUnobservedAsync() =>
        Task.WhenAny(Task.Run(() => throw new InvalidOperationException("unobserved-test")));
}
