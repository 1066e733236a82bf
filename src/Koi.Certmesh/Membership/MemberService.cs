using Koi.Core.Errors;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Koi.Certmesh.Membership;

/// <summary>
/// This machine as a member of another machine's mesh, from join to leave: it joins (<see cref="MemberJoiner"/>),
/// and every <see cref="CertmeshOptions.CaCheckInterval"/> checks its CA (<see cref="CaCheck"/>). Each step lives
/// in its own class; this one owns the schedule and is the one door the API uses.
/// </summary>
internal sealed partial class MemberService(
    MemberJoiner joiner,
    CaCheck check,
    MemberFiles files,
    CertmeshOptions options,
    TimeProvider time,
    ILogger logger) : IHostedService, IAsyncDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private ITimer? _timer;

    public MembershipStore Membership => joiner.Membership;

    public MemberJoiner Joiner => joiner;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        check.Health.Starting();
        try
        {
            check.Settle();
        }
        catch (Exception ex) when (ex is IOException or System.Text.Json.JsonException or UnauthorizedAccessException or InvalidDataException)
        {
            // An unreadable membership.json stops the pin check, not the daemon; every tick tries again.
            check.Health.Failed($"{files.Membership} cannot be read: {ex.Message}");
            LogTickFailed(logger, ex);
        }

        _timer = time.CreateTimer(_ => _ = TickAsync(), null, TimeSpan.FromSeconds(2), options.CaCheckInterval);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        if (_timer is not null)
        {
            await _timer.DisposeAsync();
        }

        check.Health.Stopped("shutting down");
    }

    /// <summary>Checks the CA now. Returns the saved membership with the verdict.</summary>
    public async Task<MembershipDocument> CheckNowAsync(CancellationToken cancellationToken) =>
        await check.CheckAsync(cancellationToken) ?? throw NotAMember();

    public static KoiException NotAMember() => new(KoiErrorCode.NotFound, "this machine has not joined a mesh (koi certmesh join)");

    public async ValueTask DisposeAsync()
    {
        if (_timer is not null)
        {
            await _timer.DisposeAsync();
        }

        _stopping.Dispose();
    }

    private async Task TickAsync()
    {
        try
        {
            await check.CheckAsync(_stopping.Token);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (ex is IOException or System.Text.Json.JsonException or UnauthorizedAccessException)
        {
            check.Health.Failed($"CA check failed: {ex.Message}");
            LogTickFailed(logger, ex);
        }
        catch (Exception ex) when (!_stopping.IsCancellationRequested)
        {
            // Not expected (a bug): shown and logged rather than lost in a task nobody awaits, and the next tick
            // tries again. Without this a check that always throws would leave the last "CA verified" up for good.
            check.Health.Failed($"CA check failed unexpectedly: {ex.GetType().Name}: {ex.Message}");
            LogTickFailed(logger, ex);
        }
    }

    [LoggerMessage(EventId = 3111, Level = LogLevel.Error, Message = "CA pin check failed")]
    private static partial void LogTickFailed(ILogger logger, Exception exception);
}
