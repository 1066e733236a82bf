using System.Security.Cryptography;
using System.Text;

namespace Koi.Daemon;

/// <summary>The per-run secret every mutating API call must present in <c>x-koi-token</c>.</summary>
internal sealed class DaemonToken
{
    public const string HeaderName = "x-koi-token";

    private readonly byte[] _digest;

    public DaemonToken(string value)
    {
        Value = value;
        _digest = SHA256.HashData(Encoding.UTF8.GetBytes(value));
    }

    public string Value { get; }

    public static DaemonToken Generate() => new(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)));

    /// <summary>Compares digests in constant time, so neither content nor length leaks through timing.</summary>
    public bool Matches(string? presented)
    {
        if (presented is null)
        {
            return false;
        }

        var candidate = SHA256.HashData(Encoding.UTF8.GetBytes(presented));
        return CryptographicOperations.FixedTimeEquals(candidate, _digest);
    }
}
