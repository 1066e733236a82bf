using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Koi.Certmesh.Crypto;

/// <summary>
/// RFC 6238 TOTP with the parameters every authenticator app assumes: HMAC-SHA-1, 6 digits, 30-second steps.
/// </summary>
internal static class Totp
{
    public const int Digits = 6;
    public const int StepSeconds = 30;
    public const int SecretBytes = 20;

    public static string Code(ReadOnlySpan<byte> secret, DateTimeOffset at, int digits = Digits) =>
        Code(secret, at.ToUnixTimeSeconds() / StepSeconds, digits);

    /// <summary>RFC 4226 HOTP of the counter; the TOTP counter is the step number.</summary>
    public static string Code(ReadOnlySpan<byte> secret, long counter, int digits = Digits)
    {
        Span<byte> message = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(message, counter);
        Span<byte> hash = stackalloc byte[HMACSHA1.HashSizeInBytes];
#pragma warning disable CA5350 // RFC 6238 and every authenticator app use HMAC-SHA-1; HOTP's security does not rest on SHA-1 collision resistance.
        HMACSHA1.HashData(secret, message, hash);
#pragma warning restore CA5350
        var offset = hash[^1] & 0x0f;
        var binary = (BinaryPrimitives.ReadInt32BigEndian(hash[offset..]) & 0x7fffffff) % (int)Math.Pow(10, digits);
        return binary.ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(digits, '0');
    }

    /// <summary>
    /// True when <paramref name="code"/> matches the current step or one step either side (clock skew). Every
    /// candidate is compared in constant time and all are computed, so timing says nothing about which matched.
    /// </summary>
    public static bool Verify(ReadOnlySpan<byte> secret, string? code, DateTimeOffset at, int window = 1)
    {
        var presented = Encoding.ASCII.GetBytes((code ?? string.Empty).Trim().PadRight(Digits, '\0'));
        var step = at.ToUnixTimeSeconds() / StepSeconds;
        var match = false;
        for (var delta = -window; delta <= window; delta++)
        {
            var expected = Encoding.ASCII.GetBytes(Code(secret, step + delta));
            match |= CryptographicOperations.FixedTimeEquals(expected, presented);
        }

        return match;
    }

    /// <summary>The <c>otpauth://</c> URI authenticator apps scan from the QR code.</summary>
    public static string Uri(ReadOnlySpan<byte> secret, string issuer, string account)
    {
        var label = System.Uri.EscapeDataString($"{issuer}:{account}");
        return $"otpauth://totp/{label}?secret={Base32.Encode(secret)}&issuer={System.Uri.EscapeDataString(issuer)}&algorithm=SHA1&digits={Digits}&period={StepSeconds}";
    }
}
