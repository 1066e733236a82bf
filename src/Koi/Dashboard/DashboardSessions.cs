using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace Koi.Dashboard;

/// <summary>
/// One-time login codes and the browser sessions they become. Only SHA-256 digests are kept, so a memory dump shows
/// no usable secret and lookups compare digests, not the secrets themselves. Everything lives in memory: a daemon
/// restart logs every browser out.
/// </summary>
internal sealed class DashboardSessions(TimeProvider time)
{
    public const string CookieName = "koi_session";
    public static readonly TimeSpan CodeLifetime = TimeSpan.FromMinutes(2);
    public static readonly TimeSpan SessionLifetime = TimeSpan.FromHours(12);

    // Bounds what a caller holding the token could pile up; far above what one operator uses.
    private const int MaxCodes = 32;
    private const int MaxSessions = 64;

    private readonly ConcurrentDictionary<string, DateTimeOffset> _codes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _sessions = new(StringComparer.Ordinal);

    /// <summary>A new one-time code, valid for <see cref="CodeLifetime"/>.</summary>
    public (string Code, DateTimeOffset ExpiresAt) IssueCode()
    {
        Sweep(_codes, MaxCodes);
        var code = NewSecret();
        var expires = time.GetUtcNow() + CodeLifetime;
        _codes[Digest(code)] = expires;
        return (code, expires);
    }

    /// <summary>Spends <paramref name="code"/> (once, before it expires) for a session id; null when it is not valid.</summary>
    public string? Redeem(string? code)
    {
        if (string.IsNullOrEmpty(code) || code.Length > 128 || !_codes.TryRemove(Digest(code), out var expires) || expires <= time.GetUtcNow())
        {
            return null;
        }

        Sweep(_sessions, MaxSessions);
        var session = NewSecret();
        _sessions[Digest(session)] = time.GetUtcNow() + SessionLifetime;
        return session;
    }

    public bool IsValid(string? session) =>
        !string.IsNullOrEmpty(session) && session.Length <= 128
        && _sessions.TryGetValue(Digest(session), out var expires) && expires > time.GetUtcNow();

    public void End(string? session)
    {
        if (!string.IsNullOrEmpty(session) && session.Length <= 128)
        {
            _sessions.TryRemove(Digest(session), out _);
        }
    }

    private void Sweep(ConcurrentDictionary<string, DateTimeOffset> table, int max)
    {
        var now = time.GetUtcNow();
        foreach (var (key, expires) in table)
        {
            if (expires <= now)
            {
                table.TryRemove(key, out _);
            }
        }

        // Still full of live entries: the oldest go, so a new login always works.
        while (table.Count >= max && table.OrderBy(e => e.Value).FirstOrDefault() is { Key: { } oldest })
        {
            table.TryRemove(oldest, out _);
        }
    }

    private static string NewSecret() => Base64Url(RandomNumberGenerator.GetBytes(32));

    private static string Digest(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
