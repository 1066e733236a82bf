using System.Net;
using Koi.Certmesh.Authority;
using Koi.Core.Status;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Koi.Certmesh.Standby;

/// <summary>
/// Watches the other CA of the mesh every <see cref="CertmeshOptions.HaProbeInterval"/> (docs/certmesh.md,
/// "Failover"). On the standby: probes the primary, syncs every <see cref="CertmeshOptions.StandbySyncInterval"/>,
/// and takes over after <see cref="CertmeshOptions.FailoverGrace"/> without a valid answer. On a primary with a
/// standby: probes the peer and defers at once to a valid primary with a higher epoch (or the same epoch and a lower
/// host name). Its state is <c>certmesh/ha</c> and <c>certmesh/standby_sync</c> in <c>koi status</c>.
/// </summary>
internal sealed partial class HaLoop(
    CertmeshAuthority authority,
    StandbyNode node,
    StandbySync sync,
    PeerProbe probe,
    StandbyTakeover takeover,
    StandbyDeferral deferral,
    CertmeshOptions options,
    StatusRegistry status,
    TimeProvider time,
    ILogger logger) : BackgroundService
{
    private readonly ComponentHealth _health = status.Register(CaContext.Capability, "ha");
    private readonly ComponentHealth _syncHealth = status.Register(CaContext.Capability, "standby_sync");
    private DateTimeOffset? _primarySeen;
    private DateTimeOffset? _lastSync;

    /// <summary>Where the peer CA's mTLS plane is, by host name; default its roster addresses and this mesh's plane port.</summary>
    public Func<string, PrimaryLink?>? LocatePeer { get; set; }

    /// <summary>When the primary last answered (standby), for status.</summary>
    public DateTimeOffset? PrimarySeen => _primarySeen;

    public DateTimeOffset? LastSync => _lastSync;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _health.Starting();
        _syncHealth.Starting();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await TickAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                _health.Failed(ex.Message);
                LogTickFailed(logger, ex);
            }

            try
            {
                await Task.Delay(options.HaProbeInterval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        _health.Stopped("daemon stopped");
        _syncHealth.Stopped("daemon stopped");
    }

    /// <summary>One look at the peer; the loop calls it, tests call it with a moved clock.</summary>
    public async Task TickAsync(CancellationToken cancellationToken)
    {
        if (node.IsStandby)
        {
            await StandbyTickAsync(cancellationToken);
        }
        else if (authority.Initialized && authority.Handover.State is { Role: HaRole.Primary } state)
        {
            await PrimaryTickAsync(state, cancellationToken);
        }
        else
        {
            _primarySeen = null;
            _health.Running(authority.Initialized ? "primary, no standby CA (koi certmesh promote on a member)" : "no CA here");
            _syncHealth.Running("not a standby");
        }
    }

    private async Task StandbyTickAsync(CancellationToken cancellationToken)
    {
        var link = node.Link!;
        var state = node.Ha.Current!;
        var now = time.GetUtcNow();
        var answer = await probe.ProbeAsync(link, node.CaCert!, cancellationToken);
        if (answer.IsPrimary)
        {
            _primarySeen = now;
            await SyncIfDueAsync(now, cancellationToken);
            _health.Running($"standby{LockedNote()} of {answer.Claim!.Hostname} (epoch {answer.Claim.Epoch}) since {state.Since:yyyy-MM-ddTHH:mm:ssZ}; primary answered {now:HH:mm:ss}");
            return;
        }

        // The grace runs from the last answer, or from the daemon's start when there has been none yet.
        _primarySeen ??= now;
        var gone = now - _primarySeen.Value;
        var why = answer.Claim is { } claim ? $"it says it is {claim.Role}" : answer.Problem;
        if (gone < options.FailoverGrace)
        {
            _health.Running($"standby{LockedNote()}: primary {state.Primary} not answering for {(int)gone.TotalSeconds}s ({why}); "
                + $"takeover after {(int)options.FailoverGrace.TotalSeconds}s");
            return;
        }

        if (node.Locked)
        {
            _health.Failed($"primary {state.Primary} gone for {(int)gone.TotalSeconds}s but the standby is locked: run koi certmesh unlock here");
            return;
        }

        var reason = $"primary {state.Primary} unreachable for {(int)gone.TotalSeconds}s ({why})";
        var taken = await takeover.TakeOverAsync(reason, cancellationToken);
        _primarySeen = null;
        _syncHealth.Running("not a standby (this machine is primary)");
        _health.Running($"primary (epoch {taken.Epoch}) since {taken.Since:yyyy-MM-ddTHH:mm:ssZ}; took over from {state.Primary}");
        LogTookOver(logger, taken.Epoch, reason);
    }

    private async Task SyncIfDueAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (_lastSync is { } last && now - last < options.StandbySyncInterval)
        {
            return;
        }

        try
        {
            var manifest = await sync.SyncAsync(cancellationToken);
            _lastSync = now;
            _syncHealth.Running($"synced from {manifest.PrimaryHostname} at {now:yyyy-MM-ddTHH:mm:ssZ} (epoch {manifest.Epoch}, bundle {manifest.BundleSequence?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"})");
        }
        catch (Koi.Core.Errors.KoiException ex)
        {
            _syncHealth.Failed(ex.Message);
            LogSyncFailed(logger, ex.Message);
        }
    }

    private async Task PrimaryTickAsync(HaState state, CancellationToken cancellationToken)
    {
        var peer = state.Standby;
        var caCert = authority.Vault.CaCert;
        if (peer is null || caCert is null || Locate(peer) is not { } link)
        {
            _health.Running($"primary (epoch {state.Epoch}) since {state.Since:yyyy-MM-ddTHH:mm:ssZ}; no standby CA");
            _syncHealth.Running("not a standby");
            return;
        }

        var answer = await probe.ProbeAsync(link, caCert, cancellationToken);
        if (answer.Claim is { Role: "primary" } claim && Outranks(claim, state, authority.Hostname))
        {
            var reason = claim.Epoch > state.Epoch
                ? $"{claim.Hostname} is primary under a higher epoch ({claim.Epoch} > {state.Epoch})"
                : $"{claim.Hostname} is primary under the same epoch and sorts first";
            await deferral.DeferAsync(claim, link, reason, cancellationToken);
            _primarySeen = time.GetUtcNow();
            _health.Running($"standby of {claim.Hostname} (epoch {claim.Epoch}): deferred — {reason}");
            LogDeferred(logger, claim.Hostname, claim.Epoch);
            return;
        }

        _syncHealth.Running("not a standby");
        _health.Running($"primary (epoch {state.Epoch}) since {state.Since:yyyy-MM-ddTHH:mm:ssZ}; standby {peer}: "
            + (answer.Claim is { } seen ? $"{seen.Role} (epoch {seen.Epoch})" : "not answering (a standby has no plane of its own)"));
    }

    /// <summary>The rule that leaves one signer: the higher epoch wins; at the same epoch the lower host name.</summary>
    internal static bool Outranks(RoleClaim other, HaState mine, string myHostname) =>
        other.Epoch > mine.Epoch || (other.Epoch == mine.Epoch && string.CompareOrdinal(other.Hostname.ToLowerInvariant(), myHostname.ToLowerInvariant()) < 0);

    private PrimaryLink? Locate(string peer)
    {
        if (LocatePeer is { } locate)
        {
            return locate(peer);
        }

        var roster = authority.Roster.Current;
        var member = roster?.Members.FirstOrDefault(m => Roster.MemberStanding.SameHost(m.Hostname, peer));
        var address = member?.CertSans.Select(s => IPAddress.TryParse(s, out var ip) ? ip : null).FirstOrDefault(ip => ip is not null);
        if (roster is null || member is null || address is null)
        {
            return null;
        }

        var host = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();
        return new PrimaryLink(authority.Hostname, member.Hostname, $"http://{host}:{options.AnnouncePort}",
            options.MeshPort > 0 ? options.MeshPort : null, roster.Metadata.CaFingerprint);
    }

    private string LockedNote() => node.Locked ? " (LOCKED: cannot take over; koi certmesh unlock)" : string.Empty;
}
