using System.Globalization;
using Koi.Certmesh.Roster;
using Koi.Core.Errors;

namespace Koi.Certmesh.Authority;

/// <summary>The mesh's certificate policy (<c>set-policy</c>): lifetime and renew point of certificates issued from now on.</summary>
internal sealed class PolicyEditor(CaContext ca, Audit.AuditHeadSigner heads)
{
    /// <summary>
    /// Days set the production policy (and end a minute-scale test setting); minutes set the test setting, both
    /// minute fields together.
    /// </summary>
    public Task<CertPolicy> SetAsync(int? lifetimeDays, int? renewAtDay, CancellationToken cancellationToken, int? lifetimeMinutes = null, int? renewAtMinute = null) => ca.Serialized(() =>
    {
        var current = ca.RequireInitialized().Metadata.Policy;
        var minutes = lifetimeMinutes is not null || renewAtMinute is not null;
        var next = current with
        {
            LifetimeDays = lifetimeDays ?? current.LifetimeDays,
            RenewAtDay = renewAtDay ?? current.RenewAtDay,
            LifetimeMinutes = minutes ? lifetimeMinutes : lifetimeDays is null && renewAtDay is null ? current.LifetimeMinutes : null,
            RenewAtMinute = minutes ? renewAtMinute : lifetimeDays is null && renewAtDay is null ? current.RenewAtMinute : null,
        };
        if ((CertPolicy.Check(next.LifetimeDays, next.RenewAtDay) ?? CertPolicy.CheckMinutes(next.LifetimeMinutes, next.RenewAtMinute)) is { } broken)
        {
            throw new KoiException(KoiErrorCode.InvalidRequest, broken);
        }

        ca.Roster.Update(r => r! with { Metadata = r.Metadata with { Policy = next } });
        ca.Audit.Write("policy_changed", ("lifetime_days", next.LifetimeDays.ToString(CultureInfo.InvariantCulture)), ("renew_at_day", next.RenewAtDay.ToString(CultureInfo.InvariantCulture)),
            ("lifetime_minutes", next.LifetimeMinutes?.ToString(CultureInfo.InvariantCulture)), ("renew_at_minute", next.RenewAtMinute?.ToString(CultureInfo.InvariantCulture)));
        heads.Sign();
        return next;
    }, cancellationToken);
}
