using System.Security.Cryptography;
using System.Text;

namespace Koi.Daemon;

/// <summary>
/// The daemon's answer to "do you hold the token?": HMAC-SHA256 keyed with the token over a fresh nonce from the
/// CLI. The CLI checks it before sending the token or any passphrase, so a program that took the daemon's port
/// while it was down learns nothing secret (docs/security.md, "The CLI and its daemon"). The answer reveals nothing
/// about the token: HMAC is a pseudorandom function of it.
/// </summary>
internal static class DaemonProof
{
    public const string Route = "/proof";

    private const string Label = "koi daemon proof v1\n";

    public static string Compute(string token, string nonce) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(token), Encoding.UTF8.GetBytes(Label + nonce)));

    public static string NewNonce() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    /// <summary>32 to 128 hex digits: enough for freshness, short enough to be no work for the daemon.</summary>
    public static bool IsNonce(string? nonce) => nonce is { Length: >= 32 and <= 128 } && nonce.All(char.IsAsciiHexDigit);

    /// <summary>Compares in constant time: the expected value is a secret until the daemon has proved itself.</summary>
    public static bool Verify(string token, string nonce, string? answer) =>
        answer is not null && CryptographicOperations.FixedTimeEquals(
            Encoding.ASCII.GetBytes(Compute(token, nonce)), Encoding.ASCII.GetBytes(answer.ToLowerInvariant()));
}

/// <summary>What <c>GET /proof?nonce=…</c> answers.</summary>
internal sealed record DaemonProofAnswer(string Proof);
