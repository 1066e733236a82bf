using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Koi.Certmesh.Issuing;
using Koi.Certmesh.Membership;
using Koi.Certmesh.MeshPlane;
using Koi.Certmesh.Revocation;
using Koi.Certmesh.Roster;
using Koi.Core.Naming;
using Koi.Core.Status;
using Microsoft.Extensions.Logging;

namespace Koi.Certmesh.Authority;

/// <summary>
/// The CA host's own service certificate (what the mesh plane and hello present, what its proxy serves): renewed on
/// the members' schedule whenever the CA is unlocked, and a loud warning when the CA is locked and the certificate
/// is within a third of its lifetime. Like a member's, each renewal runs the reload hook set on this machine (kept
/// on the primary's roster entry) and is <c>degraded</c> when the hook fails. Shown as
/// <c>certmesh/own_certificate</c>. Each tick also lets the <see cref="BundleKeeper"/> sign a new trust bundle and CRL
/// when the held ones are due (a superseded certificate's grace ended, the CRL half-way to its next update).
/// </summary>
internal sealed partial class OwnCertificate(CaContext ca, CaVault vault, MemberRenewals renewals, BundleKeeper bundles, ComponentHealth health, ServiceNameBoard? names = null) : IDisposable
{
    private readonly SemaphoreSlim _running = new(1, 1);
    private readonly ExpiryAlarm _alarm = new(ca.Publish);
    private ITimer? _timer;
    private string? _renewalProblem;
    private int _failures;

    /// <summary>How long the reload hook may run (tests shorten it).</summary>
    public TimeSpan HookTimeout { get; init; } = ReloadHook.DefaultTimeout;

    /// <summary>Why the last scheduled renewal failed; null while renewal is not failing.</summary>
    public string? RenewalProblem => Volatile.Read(ref _renewalProblem);

    public void Start(TimeSpan interval)
    {
        _timer?.Dispose();
        _timer = ca.Time.CreateTimer(_ => _ = TickAsync(), null, TimeSpan.FromSeconds(1), interval);
    }

    /// <summary>Shows the certificate's state without renewing (at load, and after every check).</summary>
    public void Settle()
    {
        if (ca.Roster.Current is not { } roster)
        {
            health.Running("no CA here");
            return;
        }

        Show(roster, Facts(roster));
    }

    public void Stopped() => health.Stopped("daemon stopped");

    /// <summary>Renews when due (or <paramref name="force"/>d); a forced renewal of a locked CA is refused as such.</summary>
    public async Task<RenewalView> RenewIfDueAsync(bool force, CancellationToken cancellationToken)
    {
        await _running.WaitAsync(cancellationToken);
        try
        {
            var roster = ca.RequireInitialized();
            var facts = Facts(roster);
            var now = ca.Now;
            var due = facts is null || now >= facts.RenewAt;
            var cannotSign = vault.Locked || vault.Hold is not null;
            if (!force && (!due || cannotSign))
            {
                Show(roster, facts);
                var why = vault.Hold is { } hold ? $"due, but the CA signs nothing yet: {hold}" : "due, but the CA is locked: koi certmesh unlock";
                return View(facts, renewed: false, cannotSign && due ? "waiting" : "ok", cannotSign && due ? why : null);
            }

            if (force)
            {
                vault.RequireUnlocked("renew_own");
            }

            var primary = await renewals.RenewOwnAsync(names?.Wanted(), cancellationToken);
            if (primary.ServiceNames is { } decisions)
            {
                names?.Decide(decisions);
            }

            var hookProblem = primary.ReloadHook is { } hook ? await RunHookAsync(hook, cancellationToken) : null;
            var state = hookProblem is null ? "ok" : "degraded";
            var detail = hookProblem is null ? null : $"renewed, but the reload hook failed: {hookProblem}";
            await ca.Serialized(() => ca.Roster.Update(r => r! with
            {
                Members = [.. r.Members.Select(m => m.Role == MemberRole.Primary ? m with { RenewalState = detail is null ? state : $"{state}: {detail}" } : m)],
            }), cancellationToken);
            Volatile.Write(ref _renewalProblem, null);
            _failures = 0;
            roster = ca.RequireInitialized();
            facts = Facts(roster);
            Show(roster, facts);
            return View(facts, renewed: true, state, detail);
        }
        finally
        {
            _running.Release();
        }
    }

    /// <summary><c>koi certmesh set-hook</c> on the CA host: the command run after each renewal of its own certificate.</summary>
    public Task<string?> SetHookAsync(string? hook, CancellationToken cancellationToken)
    {
        if (hook is not null)
        {
            ReloadHook.Parse(hook);
        }

        return ca.Serialized(() =>
        {
            ca.RequireInitialized();
            ca.Roster.Update(r => r! with
            {
                Members = [.. r.Members.Select(m => m.Role == MemberRole.Primary ? m with { ReloadHook = hook } : m)],
            });
            ca.Audit.Write(hook is null ? "reload_hook_cleared" : "reload_hook_set", ("hostname", ca.Hostname), ("hook", hook));
            return hook;
        }, cancellationToken);
    }

    /// <summary>
    /// Whether a re-issue would change the CA host's certificate: other service labels asked than at its last issue,
    /// or other LAN addresses than it carries.
    /// </summary>
    public bool AsksForOther()
    {
        if (ca.Roster.Current?.Members.FirstOrDefault(m => m.Role == MemberRole.Primary) is not { } primary)
        {
            return false;
        }

        var labels = names?.Wanted() ?? [];
        if (!labels.SequenceEqual(primary.ServiceLabels ?? [], StringComparer.Ordinal))
        {
            return true;
        }

        // Only addresses the certificate may carry: those outside the subnet scope are left out at every issue.
        var scope = MeshIssuer.SubnetScope(ca.Roster.Current!.Metadata);
        var now = ca.Options.ResolveAddresses().Where(a => scope is not { } s || s.Contains(a)).Select(a => a.ToString()).Order(StringComparer.Ordinal);
        var held = primary.CertSans.Where(s => System.Net.IPAddress.TryParse(s, out _)).Order(StringComparer.Ordinal);
        return !now.SequenceEqual(held, StringComparer.Ordinal);
    }

    /// <summary>What the operator must know about the CA host's own certificate and the CA certificate.</summary>
    public List<string> Warnings(RosterDocument roster)
    {
        var warnings = new List<string>();
        var now = ca.Now;
        if (Facts(roster) is { } facts)
        {
            if (RenewalSchedule.Warning(facts.NotBefore, facts.NotAfter, now, "the CA host's own certificate") is { } expiry)
            {
                warnings.Add(vault.Locked ? $"{expiry} — the CA is locked, so it cannot renew: koi certmesh unlock" : expiry);
            }
        }

        if (RenewalProblem is { } problem)
        {
            warnings.Add($"the CA host's own certificate: renewal failing: {problem}");
        }

        if (roster.Members.FirstOrDefault(m => m.Role == MemberRole.Primary)?.RenewalState is { } state && state.StartsWith("degraded", StringComparison.Ordinal))
        {
            warnings.Add($"the CA host's own certificate: renewal {state}");
        }

        if (vault.CaCert is { } caCert
            && RenewalSchedule.Warning(caCert.NotBefore.ToUniversalTime(), caCert.NotAfter.ToUniversalTime(), now, "the CA certificate") is { } caExpiry)
        {
            warnings.Add($"{caExpiry}; a new CA means every member joins again");
        }

        return warnings;
    }

    public void Dispose()
    {
        _timer?.Dispose();
        _running.Dispose();
    }

    private static CertificateFacts? Facts(RosterDocument roster)
    {
        if (roster.Members.FirstOrDefault(m => m.Role == MemberRole.Primary) is not { } primary)
        {
            return null;
        }

        try
        {
            using var cert = X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(primary.CertPath, "cert.pem")));
            var notBefore = new DateTimeOffset(cert.NotBefore.ToUniversalTime());
            var notAfter = new DateTimeOffset(cert.NotAfter.ToUniversalTime());
            var serial = cert.SerialNumber.ToLowerInvariant();
            var policy = new MeshPolicyView((long)roster.Metadata.Policy.Lifetime.TotalSeconds, (long)roster.Metadata.Policy.RenewAfter.TotalSeconds);
            return new CertificateFacts(serial, notBefore, notAfter, RenewalSchedule.RenewAt(notBefore, notAfter, policy, serial));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException)
        {
            return null;
        }
    }

    private void Show(RosterDocument roster, CertificateFacts? facts)
    {
        if (facts is null)
        {
            health.Failed("the CA host's own certificate cannot be read");
            return;
        }

        _alarm.Observe(ca.Hostname, facts, ca.Now, "the CA host's own certificate");

        if (Warnings(roster) is { Count: > 0 } warnings)
        {
            health.Running($"WARNING: {warnings[0]}");
            return;
        }

        health.Running($"valid until {facts.NotAfter.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}, renews from {facts.RenewAt.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}");
    }

    private async Task TickAsync()
    {
        try
        {
            if (ca.Roster.Current is null)
            {
                Settle();
                return;
            }

            await RenewIfDueAsync(force: false, CancellationToken.None);
            await ca.Serialized(() =>
            {
                bundles.PublishIfDue();
                return true;
            }, CancellationToken.None);
        }
        catch (Exception ex) when (ex is not ObjectDisposedException)
        {
            Volatile.Write(ref _renewalProblem, ex.Message);
            health.Failed($"renewing the CA host's own certificate failed: {ex.Message}; retrying every check");
            LogRenewFailed(ca.Logger, ex);
            ca.Publish("renewal_failed", new RenewalFailedEvent(ca.Hostname, ex.Message, Interlocked.Increment(ref _failures)));
        }
    }

    /// <summary>Runs the hook as members do (argv, no shell, a timeout); the outcome is audited. Null when it succeeded.</summary>
    private async Task<string?> RunHookAsync(string hook, CancellationToken cancellationToken)
    {
        var problem = await ReloadHook.RunAsync(hook, HookTimeout, cancellationToken);
        ca.Audit.Write(problem is null ? "reload_hook_ran" : "reload_hook_failed", ("hostname", ca.Hostname), ("hook", hook), ("detail", problem));
        if (problem is not null)
        {
            LogHookFailed(ca.Logger, problem);
        }

        return problem;
    }

    private static RenewalView View(CertificateFacts? facts, bool renewed, string state, string? detail) =>
        new(renewed, state, detail, facts?.Serial, facts?.NotAfter, facts?.RenewAt, null, null);
}
