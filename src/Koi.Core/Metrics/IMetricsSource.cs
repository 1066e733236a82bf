namespace Koi.Core.Metrics;

/// <summary>
/// A capability's instruments. The daemon resolves every registration when it starts, so observable instruments exist
/// before the first scrape; the instruments themselves live in the capability that measures.
/// </summary>
public interface IMetricsSource;
