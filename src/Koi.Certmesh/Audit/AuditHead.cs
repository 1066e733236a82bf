using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Koi.Certmesh.Audit;

/// <summary>
/// The audit log's head — the sequence number and hash of its last line — signed with the CA key and kept in the
/// roster (docs/security.md "Audit log"). The log's own key sits beside it unencrypted, so the log alone cannot show
/// that its last lines were removed; a head signed by the CA, which only the unlocked CA can make, can.
/// </summary>
internal sealed record AuditHead(long Seq, string Hash, DateTimeOffset SignedAt, string Signature)
{
    public static AuditHead Sign(long seq, string hash, DateTimeOffset at, ECDsa caKey) =>
        new(seq, hash, at, Convert.ToBase64String(caKey.SignData(Text(seq, hash, at), HashAlgorithmName.SHA256)));

    public bool SignedBy(X509Certificate2 caCert)
    {
        using var key = caCert.GetECDsaPublicKey();
        try
        {
            return key is not null && key.VerifyData(Text(Seq, Hash, SignedAt), Convert.FromBase64String(Signature), HashAlgorithmName.SHA256);
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>Null when <paramref name="lines"/> still hold the line this head names; otherwise what is missing.</summary>
    public string? Problem(IReadOnlyList<string> lines, X509Certificate2 caCert)
    {
        if (!SignedBy(caCert))
        {
            return "the audit head in the roster is not signed by this CA";
        }

        if (lines.Count < Seq)
        {
            return $"truncated: the CA signed the log's head at line {Seq} ({SignedAt.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}), but the log ends at line {lines.Count}";
        }

        return Seq > 0 && AuditLog.Hash(lines[(int)Seq - 1]) != Hash
            ? $"line {Seq}, whose hash the CA signed, was replaced"
            : null;
    }

    private static byte[] Text(long seq, string hash, DateTimeOffset at) =>
        Encoding.UTF8.GetBytes($"koi-certmesh-audit-head\n{seq.ToString(CultureInfo.InvariantCulture)}\n{hash}\n{at.UtcDateTime.ToString("O", CultureInfo.InvariantCulture)}");
}
