using System.Diagnostics.Metrics;
using Koi.Certmesh.Authority;
using Koi.Certmesh.Roster;
using Koi.Core.Metrics;

namespace Koi.Certmesh.Metrics;

/// <summary>
/// Certmesh instruments. Enrollments, refusals and renewals are counted from the audit trail as each event is written,
/// so a metric can never disagree with the log an operator reads; days left are read from the roster when scraped.
/// </summary>
internal sealed class CertmeshMetrics : IMetricsSource
{
    private readonly Counter<long> _enrollments;
    private readonly Counter<long> _refusals;
    private readonly Counter<long> _renewals;

    public CertmeshMetrics(IMeterFactory factory, CertmeshAuthority authority, TimeProvider time)
    {
        var meter = factory.Create(KoiMeters.Certmesh);
        _enrollments = meter.CreateCounter<long>("koi.certmesh.enrollments", "{member}", "Machines enrolled by this CA since the daemon started.");
        _refusals = meter.CreateCounter<long>("koi.certmesh.refusals", "{request}", "Join, enrollment and unlock requests refused, by audited reason.");
        _renewals = meter.CreateCounter<long>("koi.certmesh.renewals", "{certificate}", "Member certificates renewed since the daemon started.");
        meter.CreateObservableGauge(
            "koi.certmesh.certificate.days_left",
            () => DaysLeft(authority, time),
            "d",
            "Whole days until each active member's certificate expires (negative once expired).");
        meter.CreateObservableGauge(
            "koi.certmesh.locked",
            () => authority.Initialized ? [new Measurement<int>(authority.Locked ? 1 : 0)] : Array.Empty<Measurement<int>>(),
            null,
            "1 while the CA is locked (no signing); absent without a CA.");
        // A counter is exported from its first measurement; zero is a value a dashboard should see from the start.
        _enrollments.Add(0);
        _renewals.Add(0);
        authority.Context.Audit.Audited += OnAudited;
    }

    private void OnAudited(string eventName, (string Key, string? Value)[] fields)
    {
        switch (eventName)
        {
            case "member_joined" when Field(fields, "role") == "member":
                _enrollments.Add(1);
                break;
            case "join_refused" or "join_denied" or "scope_denied" or "unlock_refused" or "auto_unlock_refused" or "totp_failed":
                _refusals.Add(1, new KeyValuePair<string, object?>("event", eventName), new KeyValuePair<string, object?>("reason", Field(fields, "reason") ?? "wrong_code"));
                break;
            case "denied":
                _refusals.Add(1, new KeyValuePair<string, object?>("event", Field(fields, "action") ?? "denied"), new KeyValuePair<string, object?>("reason", Field(fields, "reason") ?? "unknown"));
                break;
            case "cert_renewed" or "member_renewed":
                _renewals.Add(1);
                break;
        }
    }

    private static List<Measurement<int>> DaysLeft(CertmeshAuthority authority, TimeProvider time)
    {
        if (authority.Roster.Current is not { } roster)
        {
            return [];
        }

        var now = time.GetUtcNow();
        return roster.Members
            .Where(m => m.Status == MemberStatus.Active)
            .Select(m => new Measurement<int>((int)Math.Floor((m.CertExpires - now).TotalDays), new KeyValuePair<string, object?>("member", m.Hostname)))
            .ToList();
    }

    private static string? Field((string Key, string? Value)[] fields, string key)
    {
        foreach (var (k, v) in fields)
        {
            if (k == key)
            {
                return v;
            }
        }

        return null;
    }
}
