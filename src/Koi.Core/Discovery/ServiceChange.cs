namespace Koi.Core.Discovery;

/// <summary>One change to the set of discovered services, with the service as it is after the change.</summary>
public sealed record ServiceChange(ServiceChangeKind Kind, DiscoveredService Service);
