namespace Koi.Core.Health;

/// <summary>The resolution facts of a daemon whose DNS is off: nothing to say.</summary>
public sealed class EmptyNameResolutionFacts : INameResolutionFacts
{
    public NameResolution? Check(string hostname) => null;
}
