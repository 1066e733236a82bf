using System.Text.Json.Serialization;
using Koi.Core.Storage;

namespace Koi.Health.Checks;

/// <summary>The two probes of seed 001 §6.2.</summary>
[JsonConverter(typeof(SnakeCaseEnumConverter<CheckKind>))]
public enum CheckKind
{
    /// <summary>GET a URL; any 2xx answer is up.</summary>
    Http,

    /// <summary>Connect to a port; an accepted connection is up.</summary>
    Tcp,
}
