using Koi.Certmesh.Enrollment;
using Koi.Certmesh.Roster;
using Koi.Certmesh.Trust;

namespace Koi.Certmesh.Authority;

/// <summary>Read-only views of the CA: status with its warnings, the roster, the audit log.</summary>
internal sealed class CaViews(CaContext ca, CaVault vault, CaTrust trust, JoinLedger ledger, OwnCertificate own, Heartbeats heartbeats, TimeSpan checkInterval)
{
    public static readonly TimeSpan ExpiryWarning = TimeSpan.FromDays(7);
    public static readonly TimeSpan RotationReminder = TimeSpan.FromDays(182);

    public async Task<CertmeshStatus> StatusAsync(CancellationToken cancellationToken)
    {
        if (ca.Roster.Current is not { } roster)
        {
            return new CertmeshStatus(false, true, null, null, null, null, null, null, null, null, null, [], [], ["no CA yet: koi certmesh create"]);
        }

        var meta = roster.Metadata;
        var stores = await trust.StatusAsync(cancellationToken);
        return new CertmeshStatus(
            true,
            vault.Locked,
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
            stores,
            Warnings(roster, stores))
        {
            CaCertExpires = vault.CaCert?.NotAfter.ToUniversalTime(),
            AutoUnlock = AutoUnlock.MethodOf(meta),
            LockState = ca.Health.Snapshot.Reason,
        };
    }

    /// <summary>The roster with each member's latest sighting (heartbeats reach the file only now and then).</summary>
    public RosterDocument RosterDocument()
    {
        var roster = ca.RequireInitialized();
        return roster with { Members = [.. roster.Members.Select(m => m with { LastSeen = heartbeats.LastSeen(m) })] };
    }

    public LogView Log(DateTimeOffset? since, bool verify)
    {
        ca.RequireInitialized();
        var entries = new List<LogEntry>();
        foreach (var line in ca.Audit.Read(since))
        {
            var fields = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (key, value) in line.Fields)
            {
                fields[key] = value;
            }

            entries.Add(new LogEntry(line.At, line.Event, line.Seq, fields, Audit.AuditLine.Body(line.At, line.Event, line.Fields, line.Seq, line.Prev)));
        }

        return new LogView(entries, verify ? ca.Audit.Verify(ca.Roster.Current?.Metadata.AuditHead, vault.CaCert) : null);
    }

    /// <summary>Everything that needs the operator's attention, loudest first.</summary>
    public List<string> Warnings(RosterDocument roster, IReadOnlyList<TrustResult> stores)
    {
        var warnings = new List<string>();
        var now = ca.Now;
        if (vault.Locked)
        {
            warnings.Add("CA locked: enrollment and renewal wait for koi certmesh unlock");
        }

        warnings.AddRange(own.Warnings(roster));
        var lifetime = roster.Metadata.Policy.Lifetime;
        foreach (var member in roster.Members.Where(m => m.Status == MemberStatus.Active && m.Role != MemberRole.Primary))
        {
            if (Membership.RenewalSchedule.Warning(member.CertExpires - lifetime, member.CertExpires, now, $"{member.Hostname}: certificate") is { } expiry)
            {
                warnings.Add(expiry);
            }

            if (member.RenewalState is { } state && !state.StartsWith("ok", StringComparison.Ordinal))
            {
                warnings.Add($"{member.Hostname}: renewal {state}");
            }

            if (heartbeats.IsStale(member, now, checkInterval))
            {
                warnings.Add($"{member.Hostname}: not seen since {(heartbeats.LastSeen(member) is { } seen ? $"{seen.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC" : "it joined")} (stale: more than {Heartbeats.StaleAfterIntervals} check intervals)");
            }
        }

        foreach (var store in stores.Where(t => t.State is TrustState.Missing or TrustState.Failed))
        {
            warnings.Add($"trust store {store.Store} {store.State.ToString().ToLowerInvariant()}{(store.Detail is null ? string.Empty : $": {store.Detail}")} (remedy: {store.Remedy ?? "koi certmesh trust install"})");
        }

        if (roster.Metadata.AutoUnlock)
        {
            warnings.Add(AutoUnlock.WarningFor(AutoUnlock.MethodOf(roster.Metadata)));
        }

        var (limits, pending) = ledger.Current();
        if (pending.WaitingCount is > 0 and var waiting)
        {
            warnings.Add($"{waiting} join request(s) wait for approval: koi certmesh pending");
        }

        if (limits.GlobalRetryAfterSeconds() is { } throttled)
        {
            warnings.Add($"joins throttled for {throttled} s after too many wrong codes from the network: check koi certmesh log");
        }

        if (roster.Metadata.TrustProfile is TrustProfile.Team or TrustProfile.Organization && now - roster.Metadata.TotpRotatedAt > RotationReminder)
        {
            warnings.Add("TOTP secret older than 6 months: koi certmesh rotate-totp");
        }

        return warnings;
    }

    private MemberView ToView(RosterMember m) =>
        new(m.Hostname, m.Role, m.Status, m.CertFingerprint, m.CertExpires, m.CertPath, m.CertSans)
        {
            LastSeen = heartbeats.LastSeen(m),
            Stale = heartbeats.IsStale(m, ca.Now, checkInterval),
            ReloadHook = m.ReloadHook,
            RenewalState = m.RenewalState,
            LastRenewed = m.LastRenewed,
            ServiceNames = m.ServiceNames,
        };
}
