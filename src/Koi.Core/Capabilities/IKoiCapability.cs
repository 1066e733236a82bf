using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Koi.Core.Capabilities;

/// <summary>
/// One capability as the daemon composes it. Capabilities never see each other; what one needs of another goes
/// through a small interface in Koi.Core that the daemon wires.
/// </summary>
public interface IKoiCapability
{
    /// <summary>One of <see cref="CapabilityNames"/>; also the API prefix <c>/v1/{Name}</c>.</summary>
    string Name { get; }

    /// <summary>Registers the capability's services, hosted components (each reporting to the status registry) included.</summary>
    void AddServices(IServiceCollection services);

    /// <summary>Maps the capability's routes onto the group <c>/v1/{Name}</c>.</summary>
    void MapEndpoints(IEndpointRouteBuilder group);

    /// <summary>Figures for <c>koi status</c>, e.g. <c>services_discovered</c>; read from memory only.</summary>
    IReadOnlyDictionary<string, object?> Summarize(IServiceProvider services);
}
