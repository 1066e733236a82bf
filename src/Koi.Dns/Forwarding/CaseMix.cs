namespace Koi.Dns.Forwarding;

/// <summary>
/// DNS 0x20 (draft-vixie-dnsext-dns0x20): the letters of a forwarded question get a random case, and an answer must
/// echo exactly that case. An off-path forger then has to guess one more bit per letter on top of the id and the
/// source port (RFC 5452 §9.3 names it among the additional measures). Names compare case-insensitively (RFC 4343),
/// so honest servers answer whatever case they are asked in.
/// </summary>
internal static class CaseMix
{
    private const int HeaderSize = 12;

    /// <summary>Randomises the case of every letter of the (uncompressed) first question's name, in place.</summary>
    public static void Apply(Span<byte> query, int questionEnd)
    {
        var bits = 0;
        var left = 0;
        for (var i = HeaderSize; i < questionEnd - 4; i++)
        {
            // Length bytes are at most 63, below every letter, so only name characters can match.
            var b = query[i];
            if (!IsLetter(b))
            {
                continue;
            }

            if (left == 0)
            {
                bits = QueryIds.Next();
                left = 16;
            }

            query[i] = (bits & 1) != 0 ? (byte)(b | 0x20) : (byte)(b & ~0x20);
            bits >>= 1;
            left--;
        }
    }

    /// <summary>True when <paramref name="response"/> carries exactly <paramref name="question"/> (header excluded), case included.</summary>
    public static bool Echoes(ReadOnlySpan<byte> question, ReadOnlySpan<byte> response) =>
        response.Length >= HeaderSize + question.Length && response.Slice(HeaderSize, question.Length).SequenceEqual(question);

    private static bool IsLetter(byte b) => (uint)((b | 0x20) - 'a') <= 'z' - 'a';
}
