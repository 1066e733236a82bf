using System.Security.Cryptography;
using System.Text;

namespace Koi.Certmesh.Crypto;

/// <summary>
/// Mixes operator entropy (keyboard mashing) into OS CSPRNG output. The CSPRNG bytes are the HMAC key, so the result
/// is as unpredictable as the CSPRNG even when the operator's input is known or empty: mixing only ever adds.
/// </summary>
internal sealed class EntropyMixer
{
    private readonly byte[] _operator;

    public EntropyMixer(string? operatorEntropy)
    {
        _operator = SHA256.HashData(Encoding.UTF8.GetBytes(operatorEntropy ?? string.Empty));
    }

    public byte[] Next(int length, string purpose)
    {
        var output = new byte[length];
        var key = RandomNumberGenerator.GetBytes(32);
        var produced = 0;
        for (var block = 0; produced < length; block++)
        {
            var input = Encoding.UTF8.GetBytes($"{purpose}/{block}/").Concat(_operator).ToArray();
            var chunk = HMACSHA256.HashData(key, input);
            var take = Math.Min(chunk.Length, length - produced);
            chunk.AsSpan(0, take).CopyTo(output.AsSpan(produced));
            produced += take;
        }

        CryptographicOperations.ZeroMemory(key);
        return output;
    }

    /// <summary>
    /// A rough, conservative estimate of the bits in keyboard mashing sent as <c>key:ticks;</c> pairs: up to 2 bits
    /// for a key that differs from the one before and 1 for timing jitter. Held-down keys earn almost nothing.
    /// </summary>
    public static int EstimateBits(string? mashing)
    {
        if (string.IsNullOrEmpty(mashing))
        {
            return 0;
        }

        var bits = 0;
        string? previousKey = null;
        long previousTicks = -1;
        long previousGap = -1;
        foreach (var stroke in mashing.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var colon = stroke.LastIndexOf(':');
            var key = colon > 0 ? stroke[..colon] : stroke;
            _ = long.TryParse(colon > 0 ? stroke[(colon + 1)..] : "-1", out var ticks);
            if (key != previousKey)
            {
                bits += 2;
            }

            var gap = previousTicks >= 0 ? ticks - previousTicks : -1;
            if (gap > 0 && gap != previousGap)
            {
                bits += 1;
            }

            previousKey = key;
            previousTicks = ticks;
            previousGap = gap;
        }

        return bits;
    }
}
