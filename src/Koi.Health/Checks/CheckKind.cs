using System.Text.Json.Serialization;
using Koi.Core.Storage;

namespace Koi.Health.Checks;

/// <summary>The two probes health runs: TCP and HTTP.</summary>
[JsonConverter(typeof(SnakeCaseEnumConverter<CheckKind>))]
public enum CheckKind
{
    /// <summary>GET a URL; any 2xx answer is up.</summary>
    Http,

    /// <summary>Connect to a port; an accepted connection is up.</summary>
    Tcp,
}
