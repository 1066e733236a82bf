using System.Security.Cryptography;
using System.Text;
using Koi.Certmesh.MeshPlane;

namespace Koi.Certmesh.Membership;

/// <summary>
/// When a certificate renews and how loudly its expiry is announced (docs/certmesh.md "Renewal"). The renew point is
/// the policy's (day 20 of 30 by default), moved earlier by a jitter of up to a tenth of the renewal margin (at most an
/// hour) derived from the serial, so machines enrolled together do not renew in the same second and a restart keeps
/// the same point.
/// </summary>
internal static class RenewalSchedule
{
    public static readonly TimeSpan LoudWhenLeft = TimeSpan.FromDays(3);
    public static readonly TimeSpan MaxJitter = TimeSpan.FromHours(1);
    public static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(30);

    /// <summary>When the certificate valid until <paramref name="notAfter"/> is due for renewal.</summary>
    public static DateTimeOffset RenewAt(DateTimeOffset notBefore, DateTimeOffset notAfter, MeshPolicyView? policy, string serial)
    {
        var lifetime = notAfter - notBefore;
        var margin = policy is { } p && p.LifetimeSecs > p.RenewAfterSecs
            ? TimeSpan.FromSeconds(p.LifetimeSecs - p.RenewAfterSecs)
            : lifetime / 3;
        if (margin > lifetime)
        {
            margin = lifetime / 3;
        }

        var jitterSpan = margin / 10 < MaxJitter ? margin / 10 : MaxJitter;
        var fraction = BitConverter.ToUInt32(SHA256.HashData(Encoding.UTF8.GetBytes(serial)), 0) / (double)uint.MaxValue;
        return notAfter - margin - (jitterSpan * fraction);
    }

    /// <summary>The next try after <paramref name="failures"/> failed ones: 30 s doubling, never past a tenth of the margin left.</summary>
    public static DateTimeOffset NextAttempt(DateTimeOffset now, int failures, DateTimeOffset notAfter)
    {
        var delay = FirstRetry * Math.Pow(2, Math.Min(failures - 1, 10));
        var cap = (notAfter - now) / 10;
        if (cap < FirstRetry)
        {
            cap = FirstRetry;
        }

        return now + (delay < cap ? delay : cap);
    }

    /// <summary>How loud the expiry warning is: 0 none, 1 last third of the lifetime, 2 under 3 days left, 3 expired.</summary>
    public static int WarningLevel(DateTimeOffset notBefore, DateTimeOffset notAfter, DateTimeOffset now)
    {
        var left = notAfter - now;
        return left <= TimeSpan.Zero ? 3 : left < Loud(notBefore, notAfter) ? 2 : left < (notAfter - notBefore) / 3 ? 1 : 0;
    }

    /// <summary>
    /// Under this much left the warning is loud: 3 days, or a tenth of the lifetime when that is shorter — else a
    /// certificate living minutes (the lab's test setting) would be loud from the moment it is issued.
    /// </summary>
    public static TimeSpan Loud(DateTimeOffset notBefore, DateTimeOffset notAfter) =>
        (notAfter - notBefore) / 10 is var tenth && tenth < LoudWhenLeft ? tenth : LoudWhenLeft;

    /// <summary>The warning for a certificate valid from <paramref name="notBefore"/> to <paramref name="notAfter"/>; null when none is due.</summary>
    public static string? Warning(DateTimeOffset notBefore, DateTimeOffset notAfter, DateTimeOffset now, string what)
    {
        var left = notAfter - now;
        if (left <= TimeSpan.Zero)
        {
            return $"{what} EXPIRED {notAfter.UtcDateTime:yyyy-MM-dd HH:mm} UTC";
        }

        if (left < Loud(notBefore, notAfter))
        {
            return $"{what} expires in {Text(left)} ({notAfter.UtcDateTime:yyyy-MM-dd HH:mm} UTC)";
        }

        return left < (notAfter - notBefore) / 3
            ? $"{what} has less than a third of its lifetime left: expires in {Text(left)} ({notAfter.UtcDateTime:yyyy-MM-dd HH:mm} UTC) and has not renewed"
            : null;
    }

    public static string Text(TimeSpan span) =>
        span.TotalDays >= 2 ? $"{span.TotalDays:0} days"
        : span.TotalHours >= 2 ? $"{span.TotalHours:0} hours"
        : span.TotalMinutes >= 2 ? $"{span.TotalMinutes:0} minutes"
        : $"{Math.Max(0, span.TotalSeconds):0} seconds";
}
