using System.Net;
using Koi.Certmesh.Audit;
using Koi.Certmesh.Backup;
using Koi.Certmesh.Enrollment;
using Koi.Certmesh.Issuing;
using Koi.Certmesh.Revocation;
using Koi.Certmesh.Roster;
using Koi.Certmesh.Trust;
using Koi.Core.Errors;
using Koi.Core.Events;
using Koi.Core.Status;
using Microsoft.Extensions.Logging;

namespace Koi.Certmesh.Authority;

/// <summary>
/// The certmesh CA on this machine, composed of the parts that each own one job: the <see cref="CaVault"/> (secrets,
/// unlock), the <see cref="EnrollmentWindow"/>, the <see cref="JoinPipeline"/> and <see cref="JoinApprovals"/>, the
/// <see cref="MeshIssuer"/>, <see cref="MemberStanding"/>, <see cref="CaTrust"/>, the read-only <see cref="CaViews"/>
/// and the <see cref="CaLifecycle"/>. Changes are serialised by the one gate in <see cref="CaContext"/>; reads see
/// the last saved roster. The members below only hand each call to the part that owns it.
/// </summary>
internal sealed class CertmeshAuthority : IAsyncDisposable
{
    public const string Capability = CaContext.Capability;

    private readonly CertmeshAnnouncer _announcer;
    private readonly ComponentHealth _health;
    private readonly ComplianceReport _compliance;
    private int _disposed;

    public CertmeshAuthority(
        CertmeshFiles files,
        CertmeshOptions options,
        CertmeshAnnouncer announcer,
        StatusRegistry status,
        TimeProvider time,
        ILogger logger,
        IEventBus? events = null,
        Func<Membership.MembershipDocument?>? memberOf = null,
        TrustBundlePublisher? bundles = null,
        Koi.Core.Naming.ServiceNameBoard? names = null)
    {
        _announcer = announcer;
        _health = status.Register(Capability, "authority");
        Roster = new RosterStore(files.Roster);
        Context = new CaContext(files, options, Roster, new CaAuditTrail(files, time, _health, logger), _health, time, logger, events);
        Vault = new CaVault(Context, announcer);
        Heads = new AuditHeadSigner(Context, Vault);
        Window = new EnrollmentWindow(Context, Heads, status.Register(Capability, "enrollment_window"));
        Ledger = new JoinLedger(Context);
        Issuer = new MeshIssuer(Context);
        Bundles = new BundleKeeper(Context, Vault, bundles);
        Standing = new MemberStanding(Context, Bundles, Heads);
        Trust = new CaTrust(Context, Vault);
        MeshCertificate = new MeshPlane.ServerCertificate(Context);
        Hello = new HelloSigner(Context, Vault, Window, MeshCertificate);
        Joins = new JoinPipeline(Context, Vault, Window, Ledger, Issuer);
        Approvals = new JoinApprovals(Context, Vault, Ledger, Joins, Heads);
        Renewals = new MemberRenewals(Context, Vault, Issuer, Ledger);
        Heartbeats = new Heartbeats(Context);
        OwnCertificate = new OwnCertificate(Context, Vault, Renewals, Bundles, status.Register(Capability, "own_certificate"), names);
        Views = new CaViews(Context, Vault, Trust, Ledger, OwnCertificate, Heartbeats, options.CaCheckInterval);
        Policy = new PolicyEditor(Context, Heads);
        Lifecycle = new CaLifecycle(Context, Vault, Window, Ledger, Issuer, Trust, announcer, memberOf ?? (() => null), Bundles, Heads);
        Backup = new CaBackup(Context, Vault, Lifecycle, Issuer, Trust, Window, announcer);
        Handover = new Standby.StandbyHandover(Context, Vault, Bundles, new Standby.HaStateStore(Path.Combine(files.Dir, "ha.json")), Heads);
        if (bundles is not null)
        {
            bundles.Epoch = () => Handover.State.Epoch;
        }
        _compliance = new ComplianceReport(Context, Vault, Trust, Views, Bundles);
    }

    public CaContext Context { get; }

    public RosterStore Roster { get; }

    public CaVault Vault { get; }

    /// <summary>Signs the audit head after audited changes that are not joins or renewals.</summary>
    public AuditHeadSigner Heads { get; }

    public EnrollmentWindow Window { get; }

    public JoinLedger Ledger { get; }

    public MeshIssuer Issuer { get; }

    public MemberStanding Standing { get; }

    public BundleKeeper Bundles { get; }

    /// <summary>The trust bundle and CRL this CA signed last; null before the first unlock that published one.</summary>
    public HeldBundle? Bundle => Bundles.Held;

    public string CrlUrl => Issuer.CrlUrl;

    public CaTrust Trust { get; }

    /// <summary>This host's own service certificate as the mesh plane and the hello present it (one source for both).</summary>
    public MeshPlane.ServerCertificate MeshCertificate { get; }

    public HelloSigner Hello { get; }

    public JoinPipeline Joins { get; }

    public JoinApprovals Approvals { get; }

    public CaViews Views { get; }

    public PolicyEditor Policy { get; }

    public CaLifecycle Lifecycle { get; }

    /// <summary><c>koi certmesh backup</c> and <c>restore</c>.</summary>
    public CaBackup Backup { get; }

    public MemberRenewals Renewals { get; }

    /// <summary>The primary's side of a standby CA: promote, sync, the signed role claim.</summary>
    public Standby.StandbyHandover Handover { get; }

    /// <summary>For a takeover that installs the CA here (docs/certmesh.md, "Standby CA").</summary>
    internal CertmeshAnnouncer Announcer => _announcer;

    public Heartbeats Heartbeats { get; }

    public OwnCertificate OwnCertificate { get; }

    public bool Initialized => Roster.Current is not null;

    public bool Locked => Vault.Locked;

    public string Hostname => Context.Hostname;

    public DateTimeOffset Now => Context.Now;

    /// <summary>The join thresholds (from <see cref="CertmeshOptions"/> by default); tests may set them before the first join.</summary>
    internal EnrollmentPolicy JoinPolicy
    {
        get => Ledger.Policy;
        set => Ledger.Policy = value;
    }

    public static byte[] NewTotpSecret(string? entropy) => CaVault.NewTotpSecret(entropy);

    public static string HelloText(string nonce, string caFingerprint, string hostname) => HelloSigner.HelloText(nonce, caFingerprint, hostname);

    public const int MaxNonceChars = HelloSigner.MaxNonceChars;

    internal static TimeSpan WindowCloseRetry => EnrollmentWindow.WindowCloseRetry;

    internal static Koi.Core.Errors.KoiException NotInitialized() => CaContext.NotInitialized();

    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        // A primary that has a standby may have been replaced while it was down: it signs nothing (auto-unlocked or
        // not) until the HA loop has looked for a current primary (docs/certmesh.md, "Return and tie-break").
        if (Handover.Store.Current is { Role: Standby.HaRole.Primary, Standby: { } standby })
        {
            Vault.HoldSigning($"looking for a current primary first (standby {standby}) before signing");
        }

        await Lifecycle.LoadAsync(cancellationToken);
        OwnCertificate.Settle();
    }

    /// <summary>
    /// The HA loop looked and found no primary that outranks this one: the hold ends, the CA announces itself (when
    /// unlocked) and signs what waited for the key. Audited with what the look found.
    /// </summary>
    public Task ResumeSigningAsync(string finding, CancellationToken cancellationToken) => Context.SerializedAsync(async () =>
    {
        var roster = Context.RequireInitialized();
        if (!Vault.ResumeSigning())
        {
            return true;
        }

        Context.Audit.Write("signing_resumed", ("after", finding));
        if (!Vault.Locked)
        {
            Heads.Sign();
            Bundles.PublishIfDue();
            Context.Health.Running($"unlocked; signing ({finding})");
            await _announcer.AnnounceAsync(Hostname, roster.Metadata.CaFingerprint, CreatePlan.ProfileFlag(roster.Metadata.TrustProfile), cancellationToken);
        }
        else
        {
            Context.Health.Running($"locked: koi certmesh unlock ({finding})");
        }

        return true;
    }, cancellationToken);

    public Task<CreateResult> CreateAsync(CreatePlan plan, string passphrase, string? entropy, byte[] totpSecret, CancellationToken cancellationToken) =>
        Lifecycle.CreateAsync(plan, passphrase, entropy, totpSecret, cancellationToken);

    public Task DestroyAsync(CancellationToken cancellationToken) => Lifecycle.DestroyAsync(cancellationToken);

    public string TotpUri(byte[] secret) => Vault.TotpUri(secret);

    public string? InferSubnet() => SanPolicy.InferSubnet(Context.Options.ResolveAddresses());

    /// <summary>Unlocks, then signs the trust bundle and CRL if a revocation or policy change waited for the key.</summary>
    public async Task<UnlockResult> UnlockAsync(string passphrase, CancellationToken cancellationToken)
    {
        var result = await Vault.UnlockAsync(passphrase, cancellationToken);
        await Context.Serialized(() =>
        {
            // The head covers what was written while locked (a revocation, refusals) and the unlock itself.
            Heads.Sign();
            Bundles.PublishIfDue();
            return true;
        }, cancellationToken);
        return result;
    }

    public Task<UnlockResult> LockAsync(CancellationToken cancellationToken) => Vault.LockAsync(cancellationToken);

    /// <summary>Sets the auto-unlock method (unlocking if locked), then signs what waited for the key, as unlock does.</summary>
    public async Task<AutoUnlockResult> SetAutoUnlockAsync(string method, string passphrase, CancellationToken cancellationToken)
    {
        var result = await Vault.SetAutoUnlockAsync(method, passphrase, cancellationToken);
        await Context.Serialized(() =>
        {
            Heads.Sign();
            Bundles.PublishIfDue();
            return true;
        }, cancellationToken);
        return result;
    }

    public string CaPem() => Vault.CaPem();

    /// <summary>New TOTP secret, then the audit head signed at the rotation's line.</summary>
    public async Task<TotpResult> RotateTotpAsync(string? entropy, CancellationToken cancellationToken)
    {
        var result = await Vault.RotateTotpAsync(entropy, cancellationToken);
        await Context.Serialized(() =>
        {
            Heads.Sign();
            return true;
        }, cancellationToken);
        return result;
    }

    public bool VerifyTotp(string code, FailureLimiter limiter, string who) => Vault.VerifyTotp(code, limiter, who);

    public Task<EnrollmentView> OpenEnrollmentAsync(TimeSpan? duration, CancellationToken cancellationToken) => Window.OpenAsync(duration, cancellationToken);

    public Task<EnrollmentView> CloseEnrollmentAsync(string reason, CancellationToken cancellationToken) => Window.CloseAsync(reason, cancellationToken);

    public Task<CertPolicy> SetPolicyAsync(int? lifetimeDays, int? renewAtDay, CancellationToken cancellationToken, int? lifetimeMinutes = null, int? renewAtMinute = null) =>
        Policy.SetAsync(lifetimeDays, renewAtDay, cancellationToken, lifetimeMinutes, renewAtMinute);

    public Task<HelloProof> HelloAsync(string? nonce, CancellationToken cancellationToken) => Hello.HelloAsync(nonce, cancellationToken);

    public Task<JoinOutcome> JoinAsync(JoinRequest body, IPAddress source, CancellationToken cancellationToken) => Joins.JoinAsync(body, source, cancellationToken);

    public Task<JoinOutcome> PollJoinAsync(string requestId, CancellationToken cancellationToken) => Joins.PollAsync(requestId, cancellationToken);

    /// <summary>The answer to a join or poll that came over plain HTTP: audited, nothing in it read (see <see cref="JoinPipeline.RefusePlainHttp"/>).</summary>
    public KoiException RefusePlainHttpJoin(IPAddress source, string host) => Joins.RefusePlainHttp(source, host);

    internal Task<JoinIssued> AdmitAsync(JoinCandidate candidate, string hostname, IPAddress source, CancellationToken cancellationToken) =>
        Joins.AdmitAsync(candidate, hostname, source, cancellationToken);

    public Task<PendingList> PendingAsync(CancellationToken cancellationToken) => Approvals.PendingAsync(cancellationToken);

    public Task<ApprovalView> ApproveAsync(string? hostname, string? approvedBy, CancellationToken cancellationToken) =>
        Approvals.ApproveAsync(hostname, approvedBy, cancellationToken);

    public Task<DenialView> DenyAsync(string? hostname, string? reason, CancellationToken cancellationToken) => Approvals.DenyAsync(hostname, reason, cancellationToken);

    public Task<RevocationEntry> RevokeAsync(string? hostname, string? reason, CancellationToken cancellationToken) => Standing.RevokeAsync(hostname, reason, cancellationToken);

    public bool IsRevoked(string hostname) => Standing.IsRevoked(hostname);

    public RosterMember RequireMemberInGoodStanding(string hostname, string? certFingerprint, string action) =>
        Standing.RequireInGoodStanding(hostname, certFingerprint, action);

    public Task<IReadOnlyList<TrustResult>> InstallTrustAsync(CancellationToken cancellationToken) => Trust.InstallAsync(cancellationToken);

    public Task<IReadOnlyList<TrustResult>> TrustStatusAsync(CancellationToken cancellationToken) => Trust.StatusAsync(cancellationToken);

    public Task<IReadOnlyList<TrustResult>> RemoveTrustAsync(CancellationToken cancellationToken) => Trust.RemoveAsync(cancellationToken);

    public Task<CertmeshStatus> StatusAsync(CancellationToken cancellationToken) => Views.StatusAsync(cancellationToken);

    public RosterDocument RosterDocument() => Views.RosterDocument();

    public LogView Log(DateTimeOffset? since, bool verify) => Views.Log(since, verify);

    public Task<ComplianceView> ComplianceAsync(CancellationToken cancellationToken) => _compliance.BuildAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        // The host stops it, then the container disposes it: the second call finds nothing left to do.
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        Window.Dispose();
        OwnCertificate.Dispose();
        await _announcer.DisposeAsync();
        Vault.Dispose();
        Context.Audit.Dispose();
        _health.Stopped("daemon stopped");
        Window.Health.Stopped("daemon stopped");
        OwnCertificate.Stopped();
    }
}
