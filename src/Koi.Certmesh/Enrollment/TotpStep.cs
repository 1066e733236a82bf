using System.Security.Cryptography;
using System.Text;
using Koi.Certmesh.Crypto;

namespace Koi.Certmesh.Enrollment;

/// <summary>
/// RFC 6238 verification that also says which time step matched, so the CA can refuse a code's second use
/// (RFC 6238 §5.2). Like <see cref="Totp.Verify"/>, every candidate is computed and compared in constant time.
/// </summary>
internal static class TotpStep
{
    public const int MaxCodeChars = 16;

    /// <summary>The step whose code equals <paramref name="code"/> (current ±<paramref name="window"/>), or null.</summary>
    public static long? Match(ReadOnlySpan<byte> secret, string? code, DateTimeOffset at, int window = 1)
    {
        var text = (code ?? string.Empty).Trim();
        if (text.Length > MaxCodeChars)
        {
            return null;
        }

        var presented = Encoding.ASCII.GetBytes(text.PadRight(Totp.Digits, '\0'));
        var step = at.ToUnixTimeSeconds() / Totp.StepSeconds;
        long matched = 0;
        var any = 0;
        for (var delta = -window; delta <= window; delta++)
        {
            var expected = Encoding.ASCII.GetBytes(Totp.Code(secret, step + delta));
            var equal = CryptographicOperations.FixedTimeEquals(expected, presented) ? 1 : 0;
            // The first match wins: two adjacent steps can share a code (one chance in a million).
            matched |= (step + delta) & -(long)(equal & (1 - any));
            any |= equal;
        }

        return any == 1 ? matched : null;
    }

    public static long Current(DateTimeOffset at) => at.ToUnixTimeSeconds() / Totp.StepSeconds;
}
