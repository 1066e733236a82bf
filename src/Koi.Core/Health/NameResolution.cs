namespace Koi.Core.Health;

/// <summary>How a machine's names fare in the local zone.</summary>
/// <param name="Names">The names that should resolve to the machine, e.g. <c>stone-05.lan</c>.</param>
/// <param name="Resolves">Every one of <paramref name="Names"/> resolves to one of the machine's addresses.</param>
/// <param name="Problem">Which name does not resolve and why, for people; null when all resolve.</param>
public sealed record NameResolution(IReadOnlyList<string> Names, bool Resolves, string? Problem = null);
