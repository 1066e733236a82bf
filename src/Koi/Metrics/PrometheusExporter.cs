using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text;
using Koi.Core.Metrics;

namespace Koi.Metrics;

/// <summary>
/// Listens to every <c>Koi.*</c> meter this daemon's <see cref="IMeterFactory"/> created and renders them for
/// <c>GET /metrics</c>. Meters of other daemons in the same process (tests) have another factory and are not seen.
/// Why not OpenTelemetry's exporter: see docs/api.md#metrics.
/// </summary>
internal sealed class PrometheusExporter : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<Instrument, InstrumentAggregate> _instruments = new();
    private readonly Lock _scrape = new();

    public PrometheusExporter(IMeterFactory factory, Func<IEnumerable<IMetricsSource>> sources)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter.Scope, factory) && instrument.Meter.Name.StartsWith(KoiMeters.Prefix, StringComparison.Ordinal))
            {
                var aggregate = _instruments.GetOrAdd(instrument, static i => new InstrumentAggregate(i));
                listener.EnableMeasurementEvents(instrument, aggregate);
            }
        };
        _listener.MeasurementsCompleted = (instrument, _) => _instruments.TryRemove(instrument, out var _);
        _listener.SetMeasurementEventCallback<long>(static (_, value, tags, state) => ((InstrumentAggregate)state!).Measure(value, tags));
        _listener.SetMeasurementEventCallback<int>(static (_, value, tags, state) => ((InstrumentAggregate)state!).Measure(value, tags));
        _listener.SetMeasurementEventCallback<double>(static (_, value, tags, state) => ((InstrumentAggregate)state!).Measure(value, tags));
        _listener.Start();

        // Resolving the sources creates their meters, now that the listener hears them (a counter set to zero at
        // creation is exported at once); observable ones would not exist before the first scrape otherwise.
        _ = sources().Count();
    }

    public string Scrape()
    {
        lock (_scrape)
        {
            var observable = _instruments.Values.Where(i => i.IsObservable).ToList();
            observable.ForEach(i => i.BeginObservation());
            _listener.RecordObservableInstruments();
            observable.ForEach(i => i.EndObservation());

            var text = new StringBuilder(4096);
            var writer = new PrometheusTextWriter(text);
            foreach (var instrument in _instruments.Values.OrderBy(i => i.Name, StringComparer.Ordinal))
            {
                instrument.WriteTo(writer);
            }

            return text.ToString();
        }
    }

    public void Dispose() => _listener.Dispose();
}
