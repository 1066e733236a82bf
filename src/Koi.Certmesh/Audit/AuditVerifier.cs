using System.Security.Cryptography;
using System.Text;

namespace Koi.Certmesh.Audit;

/// <summary>Walks the chain and names the first line that is not what the log wrote.</summary>
internal static class AuditVerifier
{
    public static AuditVerification Verify(IReadOnlyList<string> lines, ECDsa key)
    {
        var previousHash = AuditLine.GenesisHash;
        for (var i = 0; i < lines.Count; i++)
        {
            var number = i + 1;
            var text = lines[i];
            var sigAt = text.LastIndexOf(" sig=", StringComparison.Ordinal);
            var parsed = AuditLine.TryParse(text);
            if (sigAt < 0 || parsed is null)
            {
                return AuditVerification.Broken(number, lines.Count, "not a signed audit line (inserted or damaged)");
            }

            if (!SignatureValid(key, text[..sigAt], parsed.Signature))
            {
                return AuditVerification.Broken(number, lines.Count, "signature does not match (line edited or forged)");
            }

            if (parsed.Prev != previousHash || parsed.Seq != number)
            {
                return AuditVerification.Broken(number, lines.Count, "does not follow the line before it (a line was deleted, inserted or reordered here)");
            }

            previousHash = AuditLog.Hash(text);
        }

        return new AuditVerification(true, lines.Count, null, null);
    }

    private static bool SignatureValid(ECDsa key, string body, string signature)
    {
        try
        {
            var padded = signature.Replace('-', '+').Replace('_', '/');
            padded = padded.PadRight(padded.Length + ((4 - (padded.Length % 4)) % 4), '=');
            return key.VerifyData(Encoding.UTF8.GetBytes(body), Convert.FromBase64String(padded), HashAlgorithmName.SHA256);
        }
        catch (FormatException)
        {
            return false;
        }
    }
}

/// <param name="FirstBadLine">1-based number of the first line that fails, or null when all verify.</param>
/// <param name="SignedThrough">The last line the CA-signed head covers (null: no head checked); lines after it were written since.</param>
/// <param name="HeadSignedAt">When the CA signed that head.</param>
internal sealed record AuditVerification(bool Valid, int Lines, int? FirstBadLine, string? Problem, long? SignedThrough = null, DateTimeOffset? HeadSignedAt = null)
{
    /// <summary>Lines after the signed head: written since the CA last signed it, so whoever holds the audit key could cut them unseen.</summary>
    public long? UnsignedLines => SignedThrough is { } through ? Lines - through : null;

    public static AuditVerification Broken(int line, int lines, string problem) => new(false, lines, line, problem);
}
