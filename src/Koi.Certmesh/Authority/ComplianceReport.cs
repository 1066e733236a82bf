using System.Globalization;
using System.Text;
using Koi.Certmesh.Roster;
using Koi.Certmesh.Trust;

namespace Koi.Certmesh.Authority;

/// <summary>The compliance summary (docs/certmesh.md "Compliance"): a health line for Just Me, the audit-ready list otherwise.</summary>
internal sealed class ComplianceReport(CaContext ca, CaVault vault, CaTrust trust, CaViews views, Revocation.BundleKeeper bundles)
{
    public async Task<ComplianceView> BuildAsync(CancellationToken cancellationToken)
    {
        var roster = ca.RequireInitialized();
        var meta = roster.Metadata;
        var now = ca.Now;
        var active = roster.Members.Where(m => m.Status == MemberStatus.Active).ToList();
        var expiring = active.Count(m => m.CertExpires - now <= CaViews.ExpiryWarning);
        var expired = active.Count(m => m.CertExpires <= now);
        var stores = await trust.StatusAsync(cancellationToken);
        var warnings = views.Warnings(roster, stores);
        warnings.AddRange(Revocation.RevocationCompliance.Warnings(roster, bundles.Held, now));
        var constrained = vault.CaCert is { } caCert && Issuing.NameScope.IsConstrained(caCert);
        warnings.AddRange(NameConstraintWarnings(vault.CaCert));
        var nextRenewal = active.Count == 0 ? (TimeSpan?)null
            : active.Min(m => m.CertExpires - (meta.Policy.Lifetime - meta.Policy.RenewAfter)) - now;

        // Never healthy while a renewal is due, a certificate expired, or anything above warns.
        var renewalDue = nextRenewal is { } due && due <= TimeSpan.Zero;
        var healthy = expired == 0 && warnings.Count == 0 && !renewalDue;
        var items = new List<ComplianceItem>();
        if (meta.TrustProfile == TrustProfile.Personal)
        {
            items.Add(new("Members", $"{active.Count} active, {(expired == 0 ? "all certs valid" : $"{expired} expired")}"));
            items.Add(new("Next renewal", nextRenewal is { } r ? Days(r) : "none"));
            items.Add(new("Name constraints", NameConstraintsText(constrained, meta)));
        }
        else
        {
            var events = ca.Audit.Read();
            var lastEvent = events.Count > 0 ? events[^1] : null;
            items.Add(new("Created", $"{meta.Created.UtcDateTime:yyyy-MM-dd} by {meta.Operator}"));
            items.Add(new("Profile", CreatePlan.ProfileFlag(meta.TrustProfile)));
            items.Add(new("CA protection", meta.AutoUnlock ? $"passphrase, AUTO-UNLOCK ENABLED ({AutoUnlock.MethodOf(meta)})" : "passphrase (encrypted PKCS#8, PBKDF2 600k), locked at boot"));
            items.Add(new("CA state", vault.Locked ? "locked" : "unlocked"));
            items.Add(new("TOTP secret", $"last rotated {meta.TotpRotatedAt.UtcDateTime:yyyy-MM-dd}" + (now - meta.TotpRotatedAt > CaViews.RotationReminder ? " (older than 6 months: koi certmesh rotate-totp)" : string.Empty)));
            items.Add(new("Enrollment", meta.EnrollmentState == EnrollmentState.Open
                ? meta.EnrollmentClosesAt is { } at ? $"open until {at.UtcDateTime:yyyy-MM-dd HH:mm} UTC" : "open"
                : "closed" + (meta.EnrollmentLastOpened is { } opened ? $" (last opened {opened.UtcDateTime:yyyy-MM-dd HH:mm} UTC)" : string.Empty)));
            items.Add(new("Approval mode", meta.RequireApproval ? "required" : "not required"));
            items.Add(new("Cert lifetime", meta.Policy.Describe()));
            items.Add(new("Scope", $"{meta.DomainScope ?? "any domain"} / {meta.SubnetScope ?? "any subnet"}"));
            items.Add(new("Name constraints", NameConstraintsText(constrained, meta)));
            items.Add(new("Members", $"{active.Count} active, {roster.Members.Count - active.Count} revoked"));
            items.Add(new("Certs expiring", $"{expiring} within 7 days"));
            items.Add(new("Trust stores", stores.Count == 0 ? "none managed" : string.Join(", ", stores.Select(t => $"{t.Store} {t.State.ToString().ToLowerInvariant()}"))));
            items.Add(new("Last audit event", lastEvent is null ? "none" : $"{lastEvent.At.UtcDateTime:yyyy-MM-dd HH:mm} {lastEvent.Event}"));
        }

        foreach (var warning in warnings)
        {
            items.Add(new("Warning", warning));
        }

        return new ComplianceView(CreatePlan.ProfileFlag(meta.TrustProfile), healthy, items, Render(meta.TrustProfile, healthy, items));
    }

    /// <summary>Said of a CA made before koi put name constraints on new roots (docs/security.md).</summary>
    public const string NoNameConstraints =
        "the CA certificate has no name constraints: it can vouch for any site to every machine that trusts it (made before koi limited new CAs to the LAN); re-create the CA to limit it";

    /// <summary>The warning for a root without name constraints; none for a constrained one (or no CA certificate loaded).</summary>
    public static IEnumerable<string> NameConstraintWarnings(System.Security.Cryptography.X509Certificates.X509Certificate2? caCert) =>
        caCert is not null && !Issuing.NameScope.IsConstrained(caCert) ? [NoNameConstraints] : [];

    private static string NameConstraintsText(bool constrained, RosterMetadata meta) => constrained
        ? $"LAN only: {string.Join(", ", Issuing.NameScope.For(meta.Zone, meta.DomainScope).Domains.Select(d => "." + d))}, private and local addresses"
        : "none";

    private static string Render(TrustProfile profile, bool healthy, List<ComplianceItem> items)
    {
        var text = new StringBuilder();
        if (profile == TrustProfile.Personal)
        {
            text.Append("certmesh: ").Append(healthy ? "healthy" : "attention needed").Append('\n');
            foreach (var item in items)
            {
                text.Append("  ").Append(item.Label).Append(": ").Append(item.Value).Append('\n');
            }
        }
        else
        {
            text.Append("Certmesh Security Summary\n─────────────────────────\n");
            foreach (var item in items)
            {
                text.Append(CultureInfo.InvariantCulture, $"{item.Label + ":",-18}{item.Value}\n");
            }
        }

        return text.ToString();
    }

    private static string Days(TimeSpan span) => span <= TimeSpan.Zero ? "due now" : $"{Math.Ceiling(span.TotalDays):0} days";
}
