using Koi.Core.Health;
using Koi.Health.Api;

namespace Koi.Health.Monitoring;

/// <summary>What <c>GET /v1/health/status</c> and <c>koi status</c> show of the monitor's state.</summary>
internal sealed class HealthViews(MonitorState state, HealthOptions options, TimeProvider time)
{
    public HealthStatusView Status(ICertificateFacts certificates, INameResolutionFacts names)
    {
        var now = time.GetUtcNow();
        var machines = new List<MachineView>();
        var services = new List<ServiceView>();
        var proxies = new List<ProxyView>();
        string? problem;
        lock (state.Gate)
        {
            problem = state.Unwritable;
            foreach (var machine in state.Machines.Values)
            {
                machines.Add(new MachineView(
                    machine.Name,
                    StateWord(machine.Up),
                    machine.LastSeen,
                    machine.Since,
                    machine.Member,
                    [.. machine.Addresses.Select(a => a.ToString())],
                    Certificate(certificates.Find(machine.Name), now),
                    names.Check(machine.Name) is { } dns ? new DnsView(dns.Names, dns.Resolves, dns.Problem) : null));
            }

            foreach (var service in state.Services.Values)
            {
                var check = service.Definition;
                services.Add(new ServiceView(
                    check.Name,
                    check.Kind,
                    check.Target,
                    check.Endpoint,
                    StateWord(service.Up),
                    service.Label,
                    service.Detail,
                    service.CheckedAt,
                    service.Since,
                    service.Latency is { } latency ? (long)latency.TotalMilliseconds : null,
                    check.IntervalSecs,
                    check.TimeoutSecs));
            }

            foreach (var proxy in state.Proxies.Values)
            {
                if (proxy.Present)
                {
                    proxies.Add(new ProxyView(
                        proxy.Name,
                        proxy.ListenPort,
                        proxy.Backend,
                        StateWord(proxy.Up),
                        proxy.Detail,
                        proxy.Listening,
                        proxy.BackendReachable,
                        proxy.BackendFailures,
                        proxy.CheckedAt,
                        proxy.Since));
                }
            }
        }

        machines.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        services.Sort((a, b) => string.Compare(a.Name, b.Name, StringComparison.OrdinalIgnoreCase));
        proxies.Sort((a, b) => string.Compare(a.Name, b.Name, StringComparison.OrdinalIgnoreCase));
        return new HealthStatusView(now, options.MachineDownAfter.TotalSeconds, machines, services, proxies, problem);
    }

    /// <summary>Figures for <c>koi status</c>, which shows "11 up, 1 down" (machines, checks and proxy entries).</summary>
    public (int Up, int Down, int Checks) Counts()
    {
        var (up, down) = (0, 0);
        lock (state.Gate)
        {
            foreach (var machine in state.Machines.Values)
            {
                Count(machine.Up, ref up, ref down);
            }

            foreach (var service in state.Services.Values)
            {
                Count(service.Up, ref up, ref down);
            }

            foreach (var proxy in state.Proxies.Values)
            {
                if (proxy.Present)
                {
                    Count(proxy.Up, ref up, ref down);
                }
            }

            return (up, down, state.Services.Count);
        }
    }

    private static void Count(bool? state, ref int up, ref int down)
    {
        if (state == true)
        {
            up++;
        }
        else if (state == false)
        {
            down++;
        }
    }

    private static string StateWord(bool? up) => up switch
    {
        true => "up",
        false => "down",
        null => "unknown",
    };

    private static CertificateView? Certificate(MachineCertificate? certificate, DateTimeOffset now) =>
        certificate is null
            ? null
            : new CertificateView(
                (int)Math.Floor((certificate.NotAfter - now).TotalDays),
                certificate.NotAfter,
                certificate.ChainValid,
                certificate.Problem,
                certificate.Warning(now),
                certificate.Revoked);
}
