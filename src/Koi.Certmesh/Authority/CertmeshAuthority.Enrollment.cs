using System.Globalization;
using System.Security.Cryptography;
using Koi.Certmesh.Api;
using Koi.Certmesh.Crypto;
using Koi.Certmesh.Roster;
using Koi.Core.Errors;
using Koi.Core.Storage;

namespace Koi.Certmesh.Authority;

internal sealed partial class CertmeshAuthority
{
    public static readonly TimeSpan MaxWindow = TimeSpan.FromDays(30);

    /// <summary>How soon a window whose close failed is tried again.</summary>
    internal static readonly TimeSpan WindowCloseRetry = TimeSpan.FromSeconds(10);

    // The last close failure logged, so a retry that fails the same way does not log again every few seconds.
    private string? _windowCloseFailure;

    /// <summary>Opens enrollment, for <paramref name="duration"/> if given (the window closes itself, audited).</summary>
    public async Task<EnrollmentView> OpenEnrollmentAsync(TimeSpan? duration, CancellationToken cancellationToken)
    {
        if (duration is { } d && (d <= TimeSpan.Zero || d > MaxWindow))
        {
            throw new KoiException(KoiErrorCode.InvalidRequest, "duration must be more than 0 and at most 30 days");
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            RequireInitialized();
            var now = _time.GetUtcNow();
            DateTimeOffset? closesAt = duration is { } span ? now + span : null;
            var roster = Roster.Update(r => r! with
            {
                Metadata = r.Metadata with { EnrollmentState = EnrollmentState.Open, EnrollmentClosesAt = closesAt, EnrollmentLastOpened = now },
            });
            Audit("enrollment_opened", ("until", closesAt?.UtcDateTime.ToString("O", CultureInfo.InvariantCulture)));
            ReconcileWindow(roster);
            LogEnrollment(_logger, "opened");
            _events?.Publish(Capability, "enrollment_opened", new EnrollmentOpenedEvent(closesAt));
            return new EnrollmentView(EnrollmentState.Open, closesAt);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<EnrollmentView> CloseEnrollmentAsync(string reason, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            RequireInitialized();
            CloseCore(reason);
            return new EnrollmentView(EnrollmentState.Closed, null);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>New TOTP secret; codes from the old one fail from this moment on.</summary>
    public async Task<TotpResult> RotateTotpAsync(string? entropy, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var secrets = RequireUnlocked("rotate_totp");
            var secret = NewTotpSecret(entropy);
            AtomicFile.WriteAllText(_files.TotpSecret, KeyVault.Serialize(KeyVault.Seal(secret, secrets.SealingKey, secrets.Salt)), AtomicFile.SecretMode);
            secrets.ReplaceTotp(secret);
            var now = _time.GetUtcNow();
            Roster.Update(r => r! with
            {
                Metadata = r.Metadata with { TotpSecretHash = Convert.ToHexStringLower(SHA256.HashData(secret)), TotpRotatedAt = now },
            });
            Audit("totp_rotated");
            _events?.Publish(Capability, "totp_rotated", null);
            var uri = TotpUri(secret);
            return new TotpResult(uri, TotpQr.PngDataUri(uri), now);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Checks a TOTP code (enrollment uses this): constant time, rate limited, every failure audited.</summary>
    public bool VerifyTotp(string code, FailureLimiter limiter, string who)
    {
        var secrets = RequireUnlocked("verify_totp");
        if (limiter.RetryAfterSeconds() is not null)
        {
            Audit("denied", ("action", "totp"), ("reason", "rate_limited"), ("from", who));
            limiter.ThrowIfLocked("TOTP");
        }

        if (Totp.Verify(secrets.TotpSecret, code, _time.GetUtcNow()))
        {
            limiter.Succeed();
            return true;
        }

        limiter.Fail();
        Audit("totp_failed", ("from", who));
        return false;
    }

    public async Task<CertPolicy> SetPolicyAsync(int? lifetimeDays, int? renewAtDay, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var current = RequireInitialized().Metadata.Policy;
            var next = new CertPolicy
            {
                LifetimeDays = lifetimeDays ?? current.LifetimeDays,
                RenewAtDay = renewAtDay ?? current.RenewAtDay,
            };
            if (CertPolicy.Check(next.LifetimeDays, next.RenewAtDay) is { } broken)
            {
                throw new KoiException(KoiErrorCode.InvalidRequest, broken);
            }

            Roster.Update(r => r! with { Metadata = r.Metadata with { Policy = next } });
            Audit("policy_changed", ("lifetime_days", next.LifetimeDays.ToString(CultureInfo.InvariantCulture)), ("renew_at_day", next.RenewAtDay.ToString(CultureInfo.InvariantCulture)));
            return next;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Schedules the auto-close of a timed window, or closes one that ran out while the daemon was down.</summary>
    private void ReconcileWindow(RosterDocument roster)
    {
        _windowTimer?.Dispose();
        _windowTimer = null;
        _windowCloseFailure = null;
        var meta = roster.Metadata;
        if (meta.EnrollmentState != EnrollmentState.Open)
        {
            _windowHealth.Running("enrollment closed");
            return;
        }

        if (meta.EnrollmentClosesAt is not { } closesAt)
        {
            _windowHealth.Running("enrollment open, no time limit");
            return;
        }

        var remaining = closesAt - _time.GetUtcNow();
        if (remaining <= TimeSpan.Zero)
        {
            CloseCore("window_expired");
            return;
        }

        ArmWindowTimer(remaining);
        _windowHealth.Running($"enrollment open until {closesAt.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}");
    }

    /// <summary>Runs under the gate. One timer at a time; none is left behind by a callback racing disposal.</summary>
    private void ArmWindowTimer(TimeSpan dueIn)
    {
        _windowTimer?.Dispose();
        _windowTimer = _time.CreateTimer(_ => _ = OnWindowExpiredAsync(), null, dueIn, Timeout.InfiniteTimeSpan);
        if (Volatile.Read(ref _disposed) == 1)
        {
            _windowTimer.Dispose();
            _windowTimer = null;
        }
    }

    /// <summary>
    /// The timer callback: nobody awaits it, so nothing may escape it. A window that cannot be closed (roster or
    /// audit not writable, …) is logged, shown as failed and retried until it closes; the window must never stay
    /// open past its deadline while status still says "open until" a time already gone.
    /// </summary>
    private async Task OnWindowExpiredAsync()
    {
        await _gate.WaitAsync();
        try
        {
            if (Volatile.Read(ref _disposed) == 1)
            {
                return;
            }

            var roster = Roster.Current;
            if (roster is null)
            {
                return;
            }

            if (roster.Metadata is not { EnrollmentState: EnrollmentState.Open, EnrollmentClosesAt: { } at })
            {
                // Closed meanwhile (by hand, by a join, or a retry after a failure that came late in the close).
                ReconcileWindow(roster);
                return;
            }

            // Timers run on a monotonic clock and may fire a hair before the wall clock reaches the deadline:
            // closing if due, and re-arming for the rest otherwise, so the window can never stay open.
            if (at <= _time.GetUtcNow())
            {
                CloseCore("window_expired");
            }
            else
            {
                ReconcileWindow(roster);
            }
        }
        catch (Exception ex)
        {
            // During shutdown (disposed audit log, timer, …) there is nothing left to close or report.
            if (Volatile.Read(ref _disposed) == 0)
            {
                WindowCloseFailed(ex);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Runs under the gate: shows and logs the failure (once per distinct cause) and tries again soon.</summary>
    private void WindowCloseFailed(Exception ex)
    {
        var reason = $"enrollment window could not be closed: {ex.Message}; retrying every {WindowCloseRetry.TotalSeconds:0} s";
        if (reason != _windowCloseFailure)
        {
            _windowCloseFailure = reason;
            LogWindowCloseFailed(_logger, WindowCloseRetry.TotalSeconds, ex);
        }

        _windowHealth.Failed(reason);
        ArmWindowTimer(WindowCloseRetry);
    }

    private void CloseCore(string reason)
    {
        // The timer goes only once the roster says closed: a failed save keeps a pending retry alive.
        Roster.Update(r => r! with { Metadata = r.Metadata with { EnrollmentState = EnrollmentState.Closed, EnrollmentClosesAt = null } });
        _windowTimer?.Dispose();
        _windowTimer = null;
        _windowCloseFailure = null;
        Audit("enrollment_closed", ("reason", reason));
        _windowHealth.Running("enrollment closed");
        LogEnrollment(_logger, "closed");
        _events?.Publish(Capability, "enrollment_closed", new EnrollmentClosedEvent(reason));
    }
}
