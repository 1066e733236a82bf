using System.Globalization;
using Koi.Certmesh.Roster;
using Koi.Core.Errors;

namespace Koi.Certmesh.Authority;

/// <summary>The mesh's certificate policy (<c>set-policy</c>): lifetime and renew point of certificates issued from now on.</summary>
internal sealed class PolicyEditor(CaContext ca)
{
    public Task<CertPolicy> SetAsync(int? lifetimeDays, int? renewAtDay, CancellationToken cancellationToken) => ca.Serialized(() =>
    {
        var current = ca.RequireInitialized().Metadata.Policy;
        var next = current with
        {
            LifetimeDays = lifetimeDays ?? current.LifetimeDays,
            RenewAtDay = renewAtDay ?? current.RenewAtDay,
        };
        if (CertPolicy.Check(next.LifetimeDays, next.RenewAtDay) is { } broken)
        {
            throw new KoiException(KoiErrorCode.InvalidRequest, broken);
        }

        ca.Roster.Update(r => r! with { Metadata = r.Metadata with { Policy = next } });
        ca.Audit.Write("policy_changed", ("lifetime_days", next.LifetimeDays.ToString(CultureInfo.InvariantCulture)), ("renew_at_day", next.RenewAtDay.ToString(CultureInfo.InvariantCulture)));
        return next;
    }, cancellationToken);
}
