using Koi.Core.Health;
using Koi.Health.Api;

namespace Koi.Health.Monitoring;

internal sealed partial class HealthMonitor
{
    public HealthStatusView Status(ICertificateFacts certificates, INameResolutionFacts names)
    {
        var now = _time.GetUtcNow();
        var machines = new List<MachineView>();
        var services = new List<ServiceView>();
        var proxies = new List<ProxyView>();
        string? problem;
        lock (_gate)
        {
            problem = _unwritable;
            foreach (var machine in _machines.Values)
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

            foreach (var state in _services.Values)
            {
                var check = state.Definition;
                services.Add(new ServiceView(
                    check.Name,
                    check.Kind,
                    check.Target,
                    check.Endpoint,
                    StateWord(state.Up),
                    state.Label,
                    state.Detail,
                    state.CheckedAt,
                    state.Since,
                    state.Latency is { } latency ? (long)latency.TotalMilliseconds : null,
                    check.IntervalSecs,
                    check.TimeoutSecs));
            }

            foreach (var proxy in _proxies.Values)
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
        return new HealthStatusView(now, _options.MachineDownAfter.TotalSeconds, machines, services, proxies, problem);
    }

    /// <summary>Figures for <c>koi status</c>: seed 001 §2 shows "11 up, 1 down" (machines, checks and proxy entries).</summary>
    public (int Up, int Down, int Checks) Counts()
    {
        var (up, down) = (0, 0);
        lock (_gate)
        {
            foreach (var machine in _machines.Values)
            {
                Count(machine.Up, ref up, ref down);
            }

            foreach (var state in _services.Values)
            {
                Count(state.Up, ref up, ref down);
            }

            foreach (var proxy in _proxies.Values)
            {
                if (proxy.Present)
                {
                    Count(proxy.Up, ref up, ref down);
                }
            }

            return (up, down, _services.Count);
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
