using Koi.Core.Errors;

namespace Koi.Certmesh.Authority;

/// <summary>
/// Counts failed attempts (wrong passphrase, wrong TOTP code); after <c>max</c> failures every attempt is refused
/// with 429 until the lockout has passed. One success resets the count.
/// </summary>
internal sealed class FailureLimiter(int max, TimeSpan lockout, TimeProvider time)
{
    private readonly Lock _gate = new();
    private int _failures;
    private DateTimeOffset? _lockedUntil;

    /// <summary>Seconds until attempts are accepted again, or null when they are accepted now.</summary>
    public int? RetryAfterSeconds()
    {
        lock (_gate)
        {
            var now = time.GetUtcNow();
            if (_lockedUntil is { } until && until > now)
            {
                return (int)Math.Ceiling((until - now).TotalSeconds);
            }

            return null;
        }
    }

    public void ThrowIfLocked(string what)
    {
        if (RetryAfterSeconds() is { } seconds)
        {
            throw new KoiException(KoiErrorCode.RateLimited, $"too many failed {what} attempts; try again in {seconds} s")
            {
                RetryAfterSeconds = seconds,
            };
        }
    }

    /// <summary>Records a failure; true when this one started a lockout.</summary>
    public bool Fail()
    {
        lock (_gate)
        {
            _failures++;
            if (_failures < max)
            {
                return false;
            }

            _failures = 0;
            _lockedUntil = time.GetUtcNow() + lockout;
            return true;
        }
    }

    public void Succeed()
    {
        lock (_gate)
        {
            _failures = 0;
            _lockedUntil = null;
        }
    }
}
