using Koi.Certmesh.Authority;
using Koi.Certmesh.Membership;
using Koi.Certmesh.Roster;
using Koi.Core.Errors;
using Koi.Core.Naming;
using Koi.Core.Networking;
using Koi.Core.Status;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Koi.Certmesh.Naming;

/// <summary>
/// Re-issues this machine's certificate as soon as what it should carry changes (docs/certmesh.md "Service names"):
/// a service label offered or withdrawn on the <see cref="ServiceNameBoard"/>, or a LAN address added or removed.
/// Changes are gathered for <see cref="Settle"/> so a burst costs one issue; nothing is issued when the certificate
/// already matches. On a member the renewal goes over the mesh plane; on the CA host its own certificate is renewed in
/// place. Shown as <c>certmesh/service_names</c>.
/// </summary>
internal sealed partial class ServiceNameFollower(
    CertmeshAuthority authority,
    MembershipStore membership,
    MemberRenewal renewal,
    ServiceNameBoard board,
    ILocalAddresses addresses,
    ComponentHealth health,
    TimeProvider time,
    ILogger logger) : IHostedService, IAsyncDisposable
{
    /// <summary>How long changes are gathered before one re-issue.</summary>
    public static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(1500);

    private readonly CancellationTokenSource _stopping = new();
    private readonly SemaphoreSlim _running = new(1, 1);
    private ITimer? _timer;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _timer = time.CreateTimer(_ => _ = FollowAsync(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        board.WantedChanged += OnChanged;
        addresses.Changed += OnChanged;

        // What the CA decided at the last issue before this start, so the proxy can show it at once.
        if (Decisions() is { } decisions)
        {
            board.Decide(decisions);
        }

        Show(null);

        // Offers made before this start (or while the daemon was down) are caught up with.
        OnChanged(this, EventArgs.Empty);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        board.WantedChanged -= OnChanged;
        addresses.Changed -= OnChanged;
        await _stopping.CancelAsync();
        health.Stopped("daemon stopped");
    }

    public async ValueTask DisposeAsync()
    {
        if (_timer is not null)
        {
            await _timer.DisposeAsync();
        }

        _stopping.Dispose();
        _running.Dispose();
    }

    /// <summary>Re-issues now when this machine's certificate does not carry what it should; true when it did.</summary>
    public async Task<bool> FollowAsync()
    {
        if (_stopping.IsCancellationRequested)
        {
            return false;
        }

        await _running.WaitAsync();
        try
        {
            var reissued = false;
            if (authority.Initialized && !authority.Locked && authority.OwnCertificate.AsksForOther())
            {
                await authority.OwnCertificate.RenewIfDueAsync(force: true, _stopping.Token);
                reissued = true;
            }

            if (membership.Current is { } current && renewal.AsksForOther(current))
            {
                await renewal.RenewIfDueAsync(force: true, _stopping.Token);
                reissued = true;
            }

            Show(null);
            return reissued;
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            return false;
        }
        catch (Exception ex) when (ex is KoiException or IOException or UnauthorizedAccessException or Membership.MeshServerRefusedException)
        {
            // The renewal recorded the failure and keeps its back-off; the next change or renewal tries again.
            Show($"re-issue failed: {ex.Message}");
            LogFollowFailed(logger, ex.Message);
            return false;
        }
        finally
        {
            _running.Release();
        }
    }

    private void OnChanged(object? sender, EventArgs e)
    {
        try
        {
            _timer?.Change(Settle, Timeout.InfiniteTimeSpan);
        }
        catch (ObjectDisposedException)
        {
            // Stopping: nothing to follow any more.
        }
    }

    /// <summary>The CA's decisions at this machine's last issue: the member's, else the CA host's own.</summary>
    private List<NameDecision>? Decisions() =>
        membership.Current?.ServiceNames
        ?? authority.Roster.Current?.Members.FirstOrDefault(m => m.Role == MemberRole.Primary)?.ServiceNames;

    private void Show(string? failure)
    {
        if (failure is not null)
        {
            health.Failed(failure);
            return;
        }

        var decisions = board.Decisions();
        var wanted = board.Wanted();
        var granted = decisions.Count(d => d.Granted);
        var refused = decisions.Where(d => !d.Granted).Select(d => $"{d.Name} ({d.Reason})").ToList();
        health.Running(wanted.Count == 0 && decisions.Count == 0
            ? "no service names asked"
            : $"{wanted.Count} service label(s) asked, {granted} name(s) granted" + (refused.Count > 0 ? $", refused: {string.Join(", ", refused)}" : string.Empty));
    }
}
