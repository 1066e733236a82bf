using System.Globalization;
using System.Text;
using Koi.Certmesh.Api;
using Koi.Certmesh.Roster;
using Koi.Certmesh.Trust;
using Koi.Core.Errors;

namespace Koi.Certmesh.Authority;

internal sealed partial class CertmeshAuthority
{
    public static readonly TimeSpan ExpiryWarning = TimeSpan.FromDays(7);
    public static readonly TimeSpan RotationReminder = TimeSpan.FromDays(182);

    public async Task<CertmeshStatus> StatusAsync(CancellationToken cancellationToken)
    {
        if (Roster.Current is not { } roster)
        {
            return new CertmeshStatus(false, true, null, null, null, null, null, null, null, null, null, [], [], ["no CA yet: koi certmesh create"]);
        }

        var meta = roster.Metadata;
        var trust = await TrustStatusAsync(cancellationToken);
        var warnings = Warnings(roster, trust);
        return new CertmeshStatus(
            true,
            Locked,
            CreatePlan.ProfileFlag(meta.TrustProfile),
            meta.Operator,
            meta.CaFingerprint,
            meta.EnrollmentState,
            meta.EnrollmentClosesAt,
            meta.RequireApproval,
            meta.DomainScope,
            meta.SubnetScope,
            meta.Policy,
            [.. roster.Members.Select(ToView)],
            trust,
            warnings);
    }

    public RosterDocument RosterDocument() => RequireInitialized();

    public LogView Log(DateTimeOffset? since, bool verify)
    {
        RequireInitialized();
        var entries = new List<LogEntry>();
        foreach (var line in _audit!.Read(since))
        {
            var fields = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (key, value) in line.Fields)
            {
                fields[key] = value;
            }

            entries.Add(new LogEntry(line.At, line.Event, line.Seq, fields, Koi.Certmesh.Audit.AuditLine.Body(line.At, line.Event, line.Fields, line.Seq, line.Prev)));
        }

        return new LogView(entries, verify ? _audit.Verify() : null);
    }

    /// <summary>The compliance summary of seed 001 §4.7: a health line for Just Me, the audit-ready list otherwise.</summary>
    public async Task<ComplianceView> ComplianceAsync(CancellationToken cancellationToken)
    {
        var roster = RequireInitialized();
        var meta = roster.Metadata;
        var now = _time.GetUtcNow();
        var active = roster.Members.Where(m => m.Status == MemberStatus.Active).ToList();
        var expiring = active.Count(m => m.CertExpires - now <= ExpiryWarning);
        var expired = active.Count(m => m.CertExpires <= now);
        var trust = await TrustStatusAsync(cancellationToken);
        var warnings = Warnings(roster, trust);
        var healthy = expired == 0 && warnings.Count == 0;
        var nextRenewal = active.Count == 0 ? (TimeSpan?)null
            : active.Min(m => m.CertExpires - TimeSpan.FromDays(meta.Policy.LifetimeDays - meta.Policy.RenewAtDay)) - now;
        var items = new List<ComplianceItem>();
        if (meta.TrustProfile == TrustProfile.Personal)
        {
            items.Add(new("Members", $"{active.Count} active, {(expired == 0 ? "all certs valid" : $"{expired} expired")}"));
            items.Add(new("Next renewal", nextRenewal is { } r ? Days(r) : "none"));
        }
        else
        {
            var events = _audit?.Read();
            var lastEvent = events is { Count: > 0 } ? events[^1] : null;
            items.Add(new("Created", $"{meta.Created.UtcDateTime:yyyy-MM-dd} by {meta.Operator}"));
            items.Add(new("Profile", CreatePlan.ProfileFlag(meta.TrustProfile)));
            items.Add(new("CA protection", meta.AutoUnlock ? "passphrase, AUTO-UNLOCK ENABLED" : "passphrase (encrypted PKCS#8, PBKDF2 600k), locked at boot"));
            items.Add(new("CA state", Locked ? "locked" : "unlocked"));
            items.Add(new("TOTP secret", $"last rotated {meta.TotpRotatedAt.UtcDateTime:yyyy-MM-dd}" + (now - meta.TotpRotatedAt > RotationReminder ? " (older than 6 months: koi certmesh rotate-totp)" : string.Empty)));
            items.Add(new("Enrollment", meta.EnrollmentState == EnrollmentState.Open
                ? meta.EnrollmentClosesAt is { } at ? $"open until {at.UtcDateTime:yyyy-MM-dd HH:mm} UTC" : "open"
                : "closed" + (meta.EnrollmentLastOpened is { } opened ? $" (last opened {opened.UtcDateTime:yyyy-MM-dd HH:mm} UTC)" : string.Empty)));
            items.Add(new("Approval mode", meta.RequireApproval ? "required" : "not required"));
            items.Add(new("Cert lifetime", $"{meta.Policy.LifetimeDays} days (renews at day {meta.Policy.RenewAtDay})"));
            items.Add(new("Scope", $"{meta.DomainScope ?? "any domain"} / {meta.SubnetScope ?? "any subnet"}"));
            items.Add(new("Members", $"{active.Count} active, {roster.Members.Count - active.Count} revoked"));
            items.Add(new("Certs expiring", $"{expiring} within 7 days"));
            items.Add(new("Trust stores", trust.Count == 0 ? "none managed" : string.Join(", ", trust.Select(t => $"{t.Store} {t.State.ToString().ToLowerInvariant()}"))));
            items.Add(new("Last audit event", lastEvent is null ? "none" : $"{lastEvent.At.UtcDateTime:yyyy-MM-dd HH:mm} {lastEvent.Event}"));
        }

        foreach (var warning in warnings)
        {
            items.Add(new("Warning", warning));
        }

        var text = new StringBuilder();
        if (meta.TrustProfile == TrustProfile.Personal)
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

        return new ComplianceView(CreatePlan.ProfileFlag(meta.TrustProfile), healthy, items, text.ToString());
    }

    /// <summary>Destroys the CA: audited first (while the log still exists), then trust entries, announcement, files.</summary>
    public async Task DestroyAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var roster = RequireInitialized();
            var fingerprint = roster.Metadata.CaFingerprint;
            Audit("ca_destroyed", ("ca_fingerprint", fingerprint));
            await RemoveTrustCoreAsync(fingerprint, cancellationToken);
            await _announcer.WithdrawAsync("no CA");
            _windowTimer?.Dispose();
            _windowTimer = null;
            _unlocked?.Dispose();
            _unlocked = null;
            _audit?.Dispose();
            _audit = null;
            _caCert = null;
            ResetEnrollment();
            foreach (var member in roster.Members.Where(m => m.Role == MemberRole.Primary && m.CertPath.StartsWith(_files.CertsDir, StringComparison.Ordinal)))
            {
                if (Directory.Exists(member.CertPath))
                {
                    Directory.Delete(member.CertPath, recursive: true);
                }
            }

            Roster.Delete();
            Directory.Delete(_files.Dir, recursive: true);
            _health.Running("no CA yet: koi certmesh create");
            _windowHealth.Running("no CA");
            LogDestroyed(_logger, fingerprint);
            _events?.Publish(Capability, "ca_destroyed", new CaEvent(fingerprint));
        }
        finally
        {
            _gate.Release();
        }
    }

    private List<string> Warnings(RosterDocument roster, IReadOnlyList<TrustResult> trust)
    {
        var warnings = new List<string>();
        var now = _time.GetUtcNow();
        if (Locked)
        {
            warnings.Add("CA locked: enrollment and renewal wait for koi certmesh unlock");
        }

        foreach (var member in roster.Members.Where(m => m.Status == MemberStatus.Active))
        {
            if (member.CertExpires <= now)
            {
                warnings.Add($"{member.Hostname}: certificate expired {member.CertExpires.UtcDateTime:yyyy-MM-dd}");
            }
            else if (member.CertExpires - now <= ExpiryWarning)
            {
                warnings.Add($"{member.Hostname}: certificate expires {member.CertExpires.UtcDateTime:yyyy-MM-dd}");
            }
        }

        foreach (var store in trust.Where(t => t.State is TrustState.Missing or TrustState.Failed))
        {
            warnings.Add($"trust store {store.Store} {store.State.ToString().ToLowerInvariant()}{(store.Detail is null ? string.Empty : $": {store.Detail}")} (remedy: {store.Remedy ?? "koi certmesh trust install"})");
        }

        if (roster.Metadata.AutoUnlock)
        {
            warnings.Add(AutoUnlock.Warning);
        }

        var (limits, pending) = JoinState();
        if (pending.WaitingCount is > 0 and var waiting)
        {
            warnings.Add($"{waiting} join request(s) wait for approval: koi certmesh pending");
        }

        if (limits.BackstopTrippedAt is { } tripped && roster.Metadata.EnrollmentState == EnrollmentState.Closed
            && (roster.Metadata.EnrollmentLastOpened is not { } opened || tripped > opened))
        {
            warnings.Add($"enrollment closed {tripped.UtcDateTime:yyyy-MM-dd HH:mm} UTC after too many wrong codes from the network: check koi certmesh log, then koi certmesh open-enrollment");
        }

        if (roster.Metadata.TrustProfile is TrustProfile.Team or TrustProfile.Organization && now - roster.Metadata.TotpRotatedAt > RotationReminder)
        {
            warnings.Add("TOTP secret older than 6 months: koi certmesh rotate-totp");
        }

        return warnings;
    }

    private static MemberView ToView(RosterMember m) =>
        new(m.Hostname, m.Role, m.Status, m.CertFingerprint, m.CertExpires, m.CertPath, m.CertSans);

    private static string Days(TimeSpan span) => span <= TimeSpan.Zero ? "due now" : $"{Math.Ceiling(span.TotalDays):0} days";

    internal static KoiException NotInitialized() => new(KoiErrorCode.CaNotInitialized, "no certmesh CA on this machine yet; run koi certmesh create");
}
