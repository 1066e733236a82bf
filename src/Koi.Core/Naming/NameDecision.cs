namespace Koi.Core.Naming;

/// <summary>What the CA decided about one name this machine asked to carry on its certificate.</summary>
/// <param name="Name">The fully qualified name asked for, e.g. <c>grafana.lan</c>.</param>
/// <param name="Granted">The name is on the certificate issued with this decision.</param>
/// <param name="Reason">Why it was refused (e.g. <c>held by stone-07</c>), for people; null when granted.</param>
public sealed record NameDecision(string Name, bool Granted, string? Reason = null);
