using System.Globalization;
using Koi.Certmesh.Api;
using Koi.Certmesh.Roster;
using Koi.Core.Errors;
using Koi.Core.Status;

namespace Koi.Certmesh.Authority;

/// <summary>
/// Whether joins are accepted now: open and close by the operator, and the timed window that closes itself (audited)
/// — also when its deadline passed while the daemon was down. Shown as <c>certmesh/enrollment_window</c>.
/// </summary>
internal sealed partial class EnrollmentWindow(CaContext ca, Audit.AuditHeadSigner heads, ComponentHealth health) : IDisposable
{
    public static readonly TimeSpan MaxWindow = TimeSpan.FromDays(30);

    /// <summary>How soon a window whose close failed is tried again.</summary>
    internal static readonly TimeSpan WindowCloseRetry = TimeSpan.FromSeconds(10);

    private ITimer? _timer;
    private int _disposed;

    // The last close failure logged, so a retry that fails the same way does not log again every few seconds.
    private string? _closeFailure;

    public ComponentHealth Health => health;

    public bool IsOpenNow(RosterMetadata meta) =>
        meta.EnrollmentState == EnrollmentState.Open && (meta.EnrollmentClosesAt is not { } at || at > ca.Now);

    /// <summary>Opens enrollment, for <paramref name="duration"/> if given (the window closes itself, audited).</summary>
    public Task<EnrollmentView> OpenAsync(TimeSpan? duration, CancellationToken cancellationToken)
    {
        if (duration is { } d && (d <= TimeSpan.Zero || d > MaxWindow))
        {
            throw new KoiException(KoiErrorCode.InvalidRequest, "duration must be more than 0 and at most 30 days");
        }

        return ca.Serialized(() =>
        {
            ca.RequireInitialized();
            var now = ca.Now;
            DateTimeOffset? closesAt = duration is { } span ? now + span : null;
            var roster = ca.Roster.Update(r => r! with
            {
                Metadata = r.Metadata with { EnrollmentState = EnrollmentState.Open, EnrollmentClosesAt = closesAt, EnrollmentLastOpened = now },
            });
            ca.Audit.Write("enrollment_opened", ("until", closesAt?.UtcDateTime.ToString("O", CultureInfo.InvariantCulture)));
            heads.Sign();
            Reconcile(roster);
            LogEnrollment(ca.Logger, "opened");
            ca.Publish("enrollment_opened", new EnrollmentOpenedEvent(closesAt));
            return new EnrollmentView(EnrollmentState.Open, closesAt);
        }, cancellationToken);
    }

    public Task<EnrollmentView> CloseAsync(string reason, CancellationToken cancellationToken) => ca.Serialized(() =>
    {
        ca.RequireInitialized();
        CloseNow(reason);
        return new EnrollmentView(EnrollmentState.Closed, null);
    }, cancellationToken);

    /// <summary>Runs under the gate. Closes now, audited, whatever the window's deadline.</summary>
    public void CloseNow(string reason)
    {
        // The timer goes only once the roster says closed: a failed save keeps a pending retry alive.
        ca.Roster.Update(r => r! with { Metadata = r.Metadata with { EnrollmentState = EnrollmentState.Closed, EnrollmentClosesAt = null } });
        _timer?.Dispose();
        _timer = null;
        _closeFailure = null;
        ca.Audit.Write("enrollment_closed", ("reason", reason));
        heads.Sign();
        health.Running("enrollment closed");
        LogEnrollment(ca.Logger, "closed");
        ca.Publish("enrollment_closed", new EnrollmentClosedEvent(reason));
    }

    /// <summary>Runs under the gate. Schedules the auto-close of a timed window, or closes one that ran out while the daemon was down.</summary>
    public void Reconcile(RosterDocument roster)
    {
        _timer?.Dispose();
        _timer = null;
        _closeFailure = null;
        var meta = roster.Metadata;
        if (meta.EnrollmentState != EnrollmentState.Open)
        {
            health.Running("enrollment closed");
            return;
        }

        if (meta.EnrollmentClosesAt is not { } closesAt)
        {
            health.Running("enrollment open, no time limit");
            return;
        }

        var remaining = closesAt - ca.Now;
        if (remaining <= TimeSpan.Zero)
        {
            CloseNow("window_expired");
            return;
        }

        ArmTimer(remaining);
        health.Running($"enrollment open until {closesAt.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}");
    }

    /// <summary>Runs under the gate at destroy: no timer survives the CA.</summary>
    public void Stop()
    {
        _timer?.Dispose();
        _timer = null;
    }

    public void Dispose()
    {
        Interlocked.Exchange(ref _disposed, 1);
        _timer?.Dispose();
    }

    /// <summary>Runs under the gate. One timer at a time; none is left behind by a callback racing disposal.</summary>
    private void ArmTimer(TimeSpan dueIn)
    {
        _timer?.Dispose();
        _timer = ca.Time.CreateTimer(_ => _ = OnExpiredAsync(), null, dueIn, Timeout.InfiniteTimeSpan);
        if (Volatile.Read(ref _disposed) == 1)
        {
            _timer.Dispose();
            _timer = null;
        }
    }

    /// <summary>
    /// The timer callback: nobody awaits it, so nothing may escape it. A window that cannot be closed (roster or
    /// audit not writable, …) is logged, shown as failed and retried until it closes; the window must never stay
    /// open past its deadline while status still says "open until" a time already gone.
    /// </summary>
    private async Task OnExpiredAsync()
    {
        await ca.Gate.WaitAsync();
        try
        {
            if (Volatile.Read(ref _disposed) == 1 || ca.Roster.Current is not { } roster)
            {
                return;
            }

            if (roster.Metadata is not { EnrollmentState: EnrollmentState.Open, EnrollmentClosesAt: { } at })
            {
                // Closed meanwhile (by hand, by a join, or a retry after a failure that came late in the close).
                Reconcile(roster);
                return;
            }

            // Timers run on a monotonic clock and may fire a hair before the wall clock reaches the deadline:
            // closing if due, and re-arming for the rest otherwise, so the window can never stay open.
            if (at <= ca.Now)
            {
                CloseNow("window_expired");
            }
            else
            {
                Reconcile(roster);
            }
        }
        catch (Exception ex)
        {
            // During shutdown (disposed audit log, timer, …) there is nothing left to close or report.
            if (Volatile.Read(ref _disposed) == 0)
            {
                CloseFailed(ex);
            }
        }
        finally
        {
            ca.Gate.Release();
        }
    }

    /// <summary>Runs under the gate: shows and logs the failure (once per distinct cause) and tries again soon.</summary>
    private void CloseFailed(Exception ex)
    {
        var reason = $"enrollment window could not be closed: {ex.Message}; retrying every {WindowCloseRetry.TotalSeconds:0} s";
        if (reason != _closeFailure)
        {
            _closeFailure = reason;
            LogWindowCloseFailed(ca.Logger, WindowCloseRetry.TotalSeconds, ex);
        }

        health.Failed(reason);
        ArmTimer(WindowCloseRetry);
    }
}
