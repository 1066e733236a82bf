using System.Globalization;
using System.Text.Json;
using Koi.Certmesh.Audit;
using Koi.Core.Storage;

namespace Koi.Certmesh.Revocation;

/// <summary>
/// A member's memory of its CA's audit log (docs/certmesh.md "Trust bundle"): the highest signed head any bundle
/// carried, in <c>certmesh/audit-head-seen.json</c>. The CA's log key sits beside the log, so whoever holds the CA's
/// data dir can cut the log back and re-sign it — and roll the roster back with it — but cannot make the members
/// forget the head they were shown. A head below the highest seen, or the same line with another hash, is an alarm.
/// A new epoch (a standby took over, docs/certmesh.md "Failover") or another CA (this machine joined another mesh)
/// starts a new history: the highest is reset.
/// Callers serialise (the member's CA check).
/// </summary>
internal sealed class AuditHeadWatch(string path)
{
    public const string FileName = "audit-head-seen.json";

    private AuditHeadSeen? _highest;
    private bool _loaded;

    public string Path => path;

    /// <summary>The highest head seen under the latest epoch; null before the first bundle with a head.</summary>
    public AuditHeadSeen? Highest
    {
        get
        {
            EnsureLoaded();
            return _highest;
        }
    }

    /// <summary>Null when <paramref name="bundle"/>'s head is not below the highest seen; otherwise the alarm to show.</summary>
    public string? Alarm(TrustBundle? bundle)
    {
        if (bundle is null || Highest is not { } highest || !SameHistory(highest, bundle))
        {
            return null;
        }

        if (bundle.AuditHead is not { } head)
        {
            return $"the CA's trust bundle carries no audit head, but it carried line {highest.Seq} ({Stamp(highest.SignedAt)}): its audit log and roster were rolled back";
        }

        if (head.Seq < highest.Seq)
        {
            return $"the CA's audit log went back from line {highest.Seq} ({Stamp(highest.SignedAt)}) to line {head.Seq}: it was truncated or rewritten; check koi certmesh log --verify on the CA";
        }

        return head.Seq == highest.Seq && !string.Equals(head.Hash, highest.Hash, StringComparison.Ordinal)
            ? $"the CA's audit log line {head.Seq} changed since this machine saw it signed ({Stamp(highest.SignedAt)}): the log was rewritten"
            : null;
    }

    /// <summary>
    /// Takes in a verified, applied bundle: a higher head (or a new epoch) becomes the highest and is saved; a lower one
    /// changes nothing and comes back as the alarm.
    /// </summary>
    public string? Observe(TrustBundle bundle)
    {
        if (Alarm(bundle) is { } alarm)
        {
            return alarm;
        }

        if (bundle.AuditHead is not { } head
            || (Highest is { } highest && SameHistory(highest, bundle) && highest.Seq >= head.Seq)
            || (Highest is { } newer && newer.CaFingerprint == bundle.CaFingerprint && newer.Epoch > bundle.Epoch))
        {
            return null;
        }

        var seen = new AuditHeadSeen(head.Seq, head.Hash, head.SignedAt, bundle.Epoch, bundle.CaFingerprint);
        AtomicFile.WriteAllBytes(path, KoiJson.ToIndentedUtf8Bytes(seen, CertmeshJsonContext.Default.AuditHeadSeen));
        _highest = seen;
        return null;
    }

    private static bool SameHistory(AuditHeadSeen seen, TrustBundle bundle) =>
        seen.Epoch == bundle.Epoch && string.Equals(seen.CaFingerprint, bundle.CaFingerprint, StringComparison.Ordinal);

    private void EnsureLoaded()
    {
        if (_loaded)
        {
            return;
        }

        _loaded = true;
        try
        {
            _highest = File.Exists(path) ? JsonSerializer.Deserialize(File.ReadAllBytes(path), CertmeshJsonContext.Default.AuditHeadSeen) : null;
        }
        catch (Exception ex) when (ex is JsonException or IOException or UnauthorizedAccessException)
        {
            // Unreadable: the next head is taken as the highest. Only this machine's user can write the file.
            _highest = null;
        }
    }

    private static string Stamp(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
}

/// <summary><c>certmesh/audit-head-seen.json</c>: the highest audit head a member was shown, by which CA, under which epoch.</summary>
internal sealed record AuditHeadSeen(long Seq, string Hash, DateTimeOffset SignedAt, long Epoch, string CaFingerprint);
