using Koi.Certmesh.Audit;

namespace Koi.Certmesh.Membership;

/// <summary>The member's own tamper-evident log (<c>member-audit.log</c>): joins, renewals, hooks, alerts.</summary>
internal sealed class MemberAuditTrail(MemberFiles files, TimeProvider time)
{
    private readonly Lock _gate = new();

    public void Write(string eventName, params (string Key, string? Value)[] fields)
    {
        lock (_gate)
        {
            using var log = AuditLog.Open(files.MemberAuditLog, files.MemberAuditKey, time);
            log.Append(eventName, fields);
        }
    }
}
