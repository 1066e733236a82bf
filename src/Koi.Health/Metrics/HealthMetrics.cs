using System.Diagnostics.Metrics;
using Koi.Core.Metrics;

namespace Koi.Health.Metrics;

/// <summary>The health board as gauges: one series per machine, check and proxy entry, read when scraped.</summary>
internal sealed class HealthMetrics : IMetricsSource
{
    public HealthMetrics(IMeterFactory factory, HealthService service)
    {
        var meter = factory.Create(KoiMeters.Health);
        meter.CreateObservableGauge(
            "koi.health.up",
            () => Board(service),
            null,
            "1 up, 0 down, per machine, service check and proxy entry (kind label); a subject still unknown has no sample.");
    }

    private static List<Measurement<int>> Board(HealthService service)
    {
        var status = service.Status();
        var samples = new List<Measurement<int>>();
        foreach (var machine in status.Machines)
        {
            Add(samples, "machine", machine.Name, machine.State);
        }

        foreach (var check in status.Services)
        {
            Add(samples, "service", check.Name, check.State);
        }

        foreach (var proxy in status.Proxies)
        {
            Add(samples, "proxy", proxy.Name, proxy.State);
        }

        return samples;
    }

    private static void Add(List<Measurement<int>> samples, string kind, string name, string state)
    {
        if (state is "up" or "down")
        {
            samples.Add(new Measurement<int>(state == "up" ? 1 : 0, new KeyValuePair<string, object?>("kind", kind), new KeyValuePair<string, object?>("name", name)));
        }
    }
}
