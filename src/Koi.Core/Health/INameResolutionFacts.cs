namespace Koi.Core.Health;

/// <summary>
/// Whether a machine's names resolve in koi's local zone. The DNS capability
/// implements it from memory; <see cref="EmptyNameResolutionFacts"/> stands in while DNS is off or not serving.
/// </summary>
public interface INameResolutionFacts
{
    /// <summary>The resolution facts of <paramref name="hostname"/> (a host label such as <c>stone-05</c>), or null when DNS does not serve.</summary>
    NameResolution? Check(string hostname);
}
