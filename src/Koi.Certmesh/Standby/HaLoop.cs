using System.Net;
using Koi.Certmesh.Authority;
using Koi.Certmesh.Membership;
using Koi.Core.Status;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Koi.Certmesh.Standby;

/// <summary>
/// Watches the other CAs of the mesh every <see cref="CertmeshOptions.HaProbeInterval"/> (docs/certmesh.md,
/// "Failover"). On the standby: probes the primary, syncs every <see cref="CertmeshOptions.StandbySyncInterval"/>;
/// when the primary does not answer it follows another CA that proves itself primary, and takes over only after
/// <see cref="CertmeshOptions.FailoverGrace"/> without any. On a primary with a standby: probes the peer and every
/// other announced primary of the mesh, defers at once to one that outranks it (<see cref="Outranks"/>), and takes
/// one it outranks as its standby; a primary held at restart signs only after this first look. Its state is
/// <c>certmesh/ha</c> and <c>certmesh/standby_sync</c> in <c>koi status</c>.
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

    /// <summary>Other CAs announcing themselves primary of the mesh (this host name, pinned fingerprint); default none.</summary>
    public Func<string, string, IReadOnlyList<PrimaryLink>>? Rivals { get; set; }

    /// <summary>Asks the network for announcements before a look that decides (a held restart, a takeover); default nothing.</summary>
    public Func<CancellationToken, Task>? BrowseRivals { get; set; }

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

        var why = answer.Claim is { } claim ? $"it says it is {claim.Role}" : answer.Problem;
        if (await FollowAnotherAsync(link, state, why, now, browse: false, cancellationToken))
        {
            return;
        }

        // The grace runs from the last answer, or from the daemon's start when there has been none yet.
        _primarySeen ??= now;
        var gone = now - _primarySeen.Value;
        if (gone < options.FailoverGrace)
        {
            _health.Running($"standby{LockedNote()}: primary {state.Primary} not answering for {(int)gone.TotalSeconds}s ({why}); "
                + $"takeover after {(int)options.FailoverGrace.TotalSeconds}s");
            return;
        }

        // A last look, asking the network, before taking over: another standby may have taken over already.
        if (!node.Locked && BrowseRivals is not null && await FollowAnotherAsync(link, state, why, now, browse: true, cancellationToken))
        {
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

    /// <summary>The followed primary does not answer: follows another CA that proves itself primary, if one does.</summary>
    private async Task<bool> FollowAnotherAsync(PrimaryLink link, HaState state, string? why, DateTimeOffset now, bool browse, CancellationToken cancellationToken)
    {
        if (browse && BrowseRivals is { } ask)
        {
            await ask(cancellationToken);
        }

        if (await FindPrimaryAsync(link, node.CaCert!, state.Epoch, cancellationToken) is not { } other)
        {
            return false;
        }

        var followed = $"{state.Primary} does not answer ({why}); {other.Claim.Hostname} is primary under epoch {other.Claim.Epoch}";
        await node.FollowAsync(other.Link, other.Claim, followed, cancellationToken);
        _primarySeen = now;
        _health.Running($"standby{LockedNote()} of {other.Claim.Hostname} (epoch {other.Claim.Epoch}) since {state.Since:yyyy-MM-ddTHH:mm:ssZ}: followed — {followed}");
        LogFollowed(logger, other.Claim.Hostname, other.Claim.Epoch, followed);
        return true;
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
        var caCert = authority.Vault.CaCert;
        var fingerprint = authority.Roster.Current?.Metadata.CaFingerprint;
        var links = new List<PrimaryLink>();
        if (state.Standby is { } peer && Locate(peer) is { } partner)
        {
            links.Add(partner);
        }

        if (fingerprint is not null && Rivals is { } rivals)
        {
            if (authority.Vault.Hold is not null && BrowseRivals is { } browse)
            {
                await browse(cancellationToken);
            }

            links.AddRange(rivals(authority.Hostname, fingerprint).Where(r => !links.Any(l => MeshClient.BaseAddress(l.AsMember()) == MeshClient.BaseAddress(r.AsMember()))));
        }

        _syncHealth.Running("not a standby");
        if (caCert is null || links.Count == 0)
        {
            await ResumeIfHeldAsync("no other CA of the mesh to ask", cancellationToken);
            _health.Running($"primary (epoch {state.Epoch}) since {state.Since:yyyy-MM-ddTHH:mm:ssZ}; no standby CA");
            return;
        }

        var seen = new List<string>();
        foreach (var link in links)
        {
            var answer = await probe.ProbeAsync(link, caCert, cancellationToken);
            if (answer.Claim is not { Role: "primary" } claim || Roster.MemberStanding.SameHost(claim.Hostname, authority.Hostname))
            {
                seen.Add($"{link.PrimaryHostname}: " + (answer.Claim is { } other ? $"{other.Role} (epoch {other.Epoch})" : "not answering (a standby has no plane of its own)"));
                continue;
            }

            if (Outranks(claim, state, authority.Hostname))
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

            // Both claim primary and this one ranks first: the other defers at its next look and becomes this CA's
            // standby, so its syncs are answered from then on.
            var why = claim.Epoch < state.Epoch
                ? $"{claim.Hostname} also claims primary under a lower epoch ({claim.Epoch} < {state.Epoch}) and defers"
                : $"{claim.Hostname} also claims primary under the same epoch; {authority.Hostname} sorts first, {claim.Hostname} defers";
            await authority.Handover.AdoptStandbyAsync(claim.Hostname, why, cancellationToken);
            seen.Add(why);
        }

        await ResumeIfHeldAsync($"no primary outranks this one ({string.Join("; ", seen)})", cancellationToken);
        var now = authority.Handover.State;
        _health.Running($"primary (epoch {now.Epoch}) since {now.Since:yyyy-MM-ddTHH:mm:ssZ}; standby {now.Standby ?? "none"}; {string.Join("; ", seen)}");
    }

    /// <summary>
    /// Among the announced primaries at another mesh plane than <paramref name="followed"/>'s (which just did not
    /// answer), the first whose signed claim is primary under an epoch not below <paramref name="epoch"/>.
    /// </summary>
    private async Task<(PrimaryLink Link, RoleClaim Claim)?> FindPrimaryAsync(
        PrimaryLink followed, System.Security.Cryptography.X509Certificates.X509Certificate2 caCert, long epoch, CancellationToken cancellationToken)
    {
        if (Rivals is not { } rivals)
        {
            return null;
        }

        var myHostname = followed.Hostname;
        foreach (var link in rivals(myHostname, followed.PinnedCaFingerprint))
        {
            if (MeshClient.BaseAddress(link.AsMember()) == MeshClient.BaseAddress(followed.AsMember()))
            {
                continue;
            }

            var answer = await probe.ProbeAsync(link, caCert, cancellationToken);
            if (answer.Claim is { Role: "primary" } claim && claim.Epoch >= epoch && !Roster.MemberStanding.SameHost(claim.Hostname, myHostname))
            {
                return (link with { PrimaryHostname = claim.Hostname }, claim);
            }
        }

        return null;
    }

    /// <summary>Ends the restart hold (<see cref="Authority.CaVault.Hold"/>) once the look found no primary that outranks this one.</summary>
    private async Task ResumeIfHeldAsync(string finding, CancellationToken cancellationToken)
    {
        if (authority.Vault.Hold is not null)
        {
            await authority.ResumeSigningAsync(finding, cancellationToken);
            LogSigningResumed(logger, finding);
        }
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
