using Koi.Core.Errors;
using Koi.Core.Health;
using Koi.Core.Status;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Koi.Certmesh.Membership;

/// <summary>
/// This machine as a member of another machine's mesh, from join to leave: it joins (<see cref="MemberJoiner"/>),
/// and every <see cref="CertmeshOptions.CaCheckInterval"/> checks its CA and reports to it (<see cref="CaCheck"/>),
/// then renews its certificate when due (<see cref="MemberRenewal"/>). Each step lives in its own class; this one
/// owns the schedule, the member's settings (reload hook) and its warnings, and is the one door the API uses.
/// </summary>
internal sealed partial class MemberService(
    MemberJoiner joiner,
    CaCheck check,
    MemberRenewal renewal,
    MemberAuditTrail audit,
    MemberFiles files,
    CertmeshOptions options,
    TimeProvider time,
    ILogger logger,
    Revocation.BundleFollower? bundles = null,
    ComponentHealth? certificateHealth = null,
    ExpiryAlarm? alarm = null) : IHostedService, IAsyncDisposable
{
    /// <summary>Nudges closer together than this are one: a flood of them costs at most one check per spacing.</summary>
    public static readonly TimeSpan NudgeSpacing = TimeSpan.FromSeconds(2);

    private readonly CancellationTokenSource _stopping = new();
    private ITimer? _timer;
    private long _lastNudge = long.MinValue;
    private int _trailingNudge;

    public MembershipStore Membership => joiner.Membership;

    public MemberJoiner Joiner => joiner;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        check.Health.Starting();
        try
        {
            check.Settle();
            bundles?.Load(joiner.Membership.Current);
        }
        catch (Exception ex) when (ex is IOException or System.Text.Json.JsonException or UnauthorizedAccessException or InvalidDataException)
        {
            // An unreadable membership.json stops the pin check, not the daemon; every tick tries again.
            check.Health.Failed($"{files.Membership} cannot be read: {ex.Message}");
            LogTickFailed(logger, ex);
        }

        ShowCertificate();
        _timer = time.CreateTimer(_ => _ = TickAsync(), null, TimeSpan.FromSeconds(2), options.CaCheckInterval);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        if (_timer is not null)
        {
            await _timer.DisposeAsync();
        }

        check.Health.Stopped("shutting down");
        certificateHealth?.Stopped("shutting down");
    }

    /// <summary>Checks the CA now (and fetches its trust bundle). Returns the saved membership with the verdict.</summary>
    public async Task<MembershipDocument> CheckNowAsync(CancellationToken cancellationToken) =>
        await CheckAndFetchAsync(cancellationToken) ?? throw NotAMember();

    /// <summary>
    /// The CA published a new bundle: check and fetch now. A nudge closer than <see cref="NudgeSpacing"/> to the last
    /// one is not dropped but folded into one trailing check at the end of the spacing — the bundle it announces may be
    /// newer than what the last check fetched. False when it was folded, or this machine is no member.
    /// </summary>
    public bool Nudge()
    {
        if (joiner.Membership.Current is null)
        {
            return false;
        }

        var now = time.GetTimestamp();
        var last = Interlocked.Exchange(ref _lastNudge, now);
        var since = last == long.MinValue ? NudgeSpacing : time.GetElapsedTime(last, now);
        if (since >= NudgeSpacing)
        {
            _ = TickAsync();
            return true;
        }

        if (Interlocked.Exchange(ref _trailingNudge, 1) == 0)
        {
            _ = TrailingTickAsync(NudgeSpacing - since);
        }

        return false;
    }

    private async Task TrailingTickAsync(TimeSpan delay)
    {
        try
        {
            await Task.Delay(delay, time, _stopping.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
        {
            // The member service stopped meanwhile: no check to run.
            return;
        }
        finally
        {
            Interlocked.Exchange(ref _trailingNudge, 0);
        }

        await TickAsync();
    }

    /// <summary><c>koi certmesh renew</c>: renews now when <paramref name="force"/>d, else only when due.</summary>
    public Task<RenewalView> RenewAsync(bool force, CancellationToken cancellationToken) => renewal.RenewIfDueAsync(force, cancellationToken);

    /// <summary><c>koi certmesh set-hook</c>: the command run after every renewal, or none. Reported to the CA by heartbeat.</summary>
    public HookView SetHook(string? command, bool clear)
    {
        var hook = HookFrom(command, clear);
        var saved = Membership.Update(m => m with { ReloadHook = hook }) ?? throw NotAMember();
        audit.Write(hook is null ? "reload_hook_cleared" : "reload_hook_set", ("hook", hook));
        return new HookView(saved.ReloadHook);
    }

    /// <summary>The hook a set-hook request asks for (null: none), checked as a command line; 400 when it is neither.</summary>
    public static string? HookFrom(string? command, bool clear)
    {
        if (!clear && string.IsNullOrWhiteSpace(command))
        {
            throw new KoiException(KoiErrorCode.InvalidRequest, "give --reload \"command\" or --clear");
        }

        var hook = clear ? null : command!.Trim();
        if (hook is not null)
        {
            ReloadHook.Parse(hook);
        }

        return hook;
    }

    /// <summary>What needs the member's attention: renewal failing or degraded, expiry close, the CA check's verdict.</summary>
    public List<string> Warnings()
    {
        if (Membership.Current is not { } member)
        {
            return [];
        }

        var warnings = CertificateWarnings(member, renewal.Facts(member), time.GetUtcNow());
        if (member.LastVerdict is { } verdict and not "verified" and not "fingerprint_changed")
        {
            warnings.Add($"CA check: {verdict}: {member.LastVerdictDetail}");
        }

        return warnings;
    }

    /// <summary>
    /// This machine's certificate for the health board: expiry, lifetime, renewal failing, revoked (from the last
    /// trust bundle); null when <paramref name="hostname"/> is not this member or its certificate cannot be read.
    /// </summary>
    public MachineCertificate? OwnMachineCertificate(string hostname)
    {
        if (Membership.Current is not { } member || !string.Equals(member.Hostname, hostname, StringComparison.OrdinalIgnoreCase)
            || renewal.Facts(member) is not { } facts)
        {
            return null;
        }

        var problem = member.LastVerdict is { } verdict and not "verified" ? $"CA check: {verdict}" : null;
        return new MachineCertificate(
            facts.NotAfter,
            problem is null,
            problem,
            facts.NotBefore,
            Revoked: bundles?.Standing.Revoked == true,
            RenewalProblem: member.RenewalState == "failing" ? member.RenewalDetail ?? "failing" : null);
    }

    public static KoiException NotAMember() => new(KoiErrorCode.NotFound, "this machine has not joined a mesh (koi certmesh join)");

    public async ValueTask DisposeAsync()
    {
        if (_timer is not null)
        {
            await _timer.DisposeAsync();
        }

        _stopping.Dispose();
    }

    private async Task TickAsync()
    {
        try
        {
            if (await CheckAndFetchAsync(_stopping.Token) is { Alert: not { Active: true } })
            {
                await renewal.RenewIfDueAsync(force: false, _stopping.Token);
            }

            ShowCertificate();
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (ex is IOException or System.Text.Json.JsonException or UnauthorizedAccessException)
        {
            check.Health.Failed($"CA check failed: {ex.Message}");
            LogTickFailed(logger, ex);
        }
        catch (Exception ex) when (!_stopping.IsCancellationRequested)
        {
            // Not expected (a bug): shown and logged rather than lost in a task nobody awaits, and the next tick
            // tries again. Without this a check that always throws would leave the last "CA verified" up for good.
            check.Health.Failed($"CA check failed unexpectedly: {ex.GetType().Name}: {ex.Message}");
            LogTickFailed(logger, ex);
        }
    }

    /// <summary>
    /// <c>certmesh/member_certificate</c> in <c>koi status</c>: valid until when and renewing from when, or the loudest
    /// warning; a warning that got louder also goes to the event stream (<see cref="ExpiryAlarm"/>).
    /// </summary>
    internal void ShowCertificate()
    {
        if (Membership.Current is not { } member)
        {
            certificateHealth?.Running("not a member of another CA's mesh");
            return;
        }

        var now = time.GetUtcNow();
        var facts = renewal.Facts(member);
        if (facts is not null)
        {
            alarm?.Observe(member.Hostname, facts, now, "this machine's mesh certificate");
        }

        var warnings = CertificateWarnings(member, facts, now);
        if (facts is null)
        {
            certificateHealth?.Failed(warnings[0]);
        }
        else if (warnings.Count > 0)
        {
            certificateHealth?.Running($"WARNING: {string.Join("; ", warnings)}");
        }
        else
        {
            certificateHealth?.Running($"valid until {facts.NotAfter.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}, renews from {facts.RenewAt.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}");
        }
    }

    /// <summary>The certificate's own warnings: unreadable, expiry close, renewal failing or degraded.</summary>
    private List<string> CertificateWarnings(MembershipDocument member, CertificateFacts? facts, DateTimeOffset now)
    {
        var warnings = new List<string>();
        if (facts is null)
        {
            warnings.Add($"this machine's mesh certificate in {files.CertPath(member.Hostname)} cannot be read");
        }
        else if (RenewalSchedule.Warning(facts.NotBefore, facts.NotAfter, now, "this machine's mesh certificate") is { } expiry)
        {
            warnings.Add(expiry);
        }

        if (member.RenewalState is "failing" or "degraded")
        {
            warnings.Add($"renewal {member.RenewalState}: {member.RenewalDetail}" + (member.NextRenewalAttempt is { } next ? $" (next attempt {next.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC)" : string.Empty));
        }

        return warnings;
    }

    /// <summary>
    /// The CA check, then the trust bundle — unless the check raised the MITM alert: then nothing from that endpoint
    /// is taken, even signed.
    /// </summary>
    private async Task<MembershipDocument?> CheckAndFetchAsync(CancellationToken cancellationToken)
    {
        var member = await check.CheckAsync(cancellationToken);
        if (member is not null && member.Alert is not { Active: true } && bundles is not null)
        {
            await bundles.RefreshAsync(member, cancellationToken);
        }

        return member;
    }
}

/// <summary>The reload hook as stored on this member.</summary>
internal sealed record HookView(string? ReloadHook);
