using System.Net;
using Koi.Certmesh.Roster;
using Koi.Core.Net;
using Microsoft.Extensions.Logging;

namespace Koi.Certmesh.Revocation;

/// <summary>
/// After the CA publishes a bundle, asks every member whose certificate is still valid (the one just revoked
/// included) to fetch it now rather than at its next check. A nudge
/// carries nothing: the member fetches from its own pinned CA and verifies, so a forged nudge costs one fetch.
/// Best effort: a member that misses it still fetches at its next check (docs/certmesh.md, "Revocation").
/// </summary>
internal sealed partial class MemberNudger(Func<RosterDocument?> roster, HttpClient http, int port, string ownHostname, ILogger logger)
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    public void OnApplied(object? sender, HeldBundle held)
    {
        if (roster() is not { } current)
        {
            return;
        }

        var targets = new List<(string Hostname, IPAddress Address)>();
        foreach (var member in current.Members)
        {
            // Revoked members too, while their certificate is valid: they must learn that they are revoked.
            if (member.CertExpires <= DateTimeOffset.UtcNow || string.Equals(member.Hostname, ownHostname, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            foreach (var san in member.CertSans)
            {
                if (IPAddress.TryParse(san, out var address) && !IpRanges.IsLoopback(address))
                {
                    targets.Add((member.Hostname, address));
                    break;
                }
            }
        }

        if (targets.Count > 0)
        {
            _ = Task.Run(() => NudgeAllAsync(targets, held.Bundle.Sequence));
        }
    }

    private async Task NudgeAllAsync(List<(string Hostname, IPAddress Address)> targets, long sequence)
    {
        await Task.WhenAll(targets.Select(t => NudgeAsync(t.Hostname, t.Address, sequence)));
    }

    private async Task NudgeAsync(string hostname, IPAddress address, long sequence)
    {
        var host = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();
        using var timeout = new CancellationTokenSource(Timeout);
        try
        {
            using var response = await http.PostAsync($"http://{host}:{port}/v1/certmesh/member/nudge", null, timeout.Token);
            LogNudged(logger, hostname, sequence, (int)response.StatusCode);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
        {
            LogNudgeMissed(logger, hostname, ex.Message);
        }
    }

    [LoggerMessage(EventId = 3135, Level = LogLevel.Debug, Message = "nudged {Hostname} to fetch trust bundle {Sequence}: HTTP {Status}")]
    private static partial void LogNudged(ILogger logger, string hostname, long sequence, int status);

    [LoggerMessage(EventId = 3136, Level = LogLevel.Information, Message = "could not nudge {Hostname} ({Reason}); it fetches the bundle at its next CA check")]
    private static partial void LogNudgeMissed(ILogger logger, string hostname, string reason);
}
