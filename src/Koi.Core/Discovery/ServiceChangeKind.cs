using System.Text.Json.Serialization;
using Koi.Core.Storage;

namespace Koi.Core.Discovery;

[JsonConverter(typeof(SnakeCaseEnumConverter<ServiceChangeKind>))]
public enum ServiceChangeKind
{
    /// <summary>The instance appeared (its PTR record was received).</summary>
    Found,

    /// <summary>Host, port and address became known, or changed.</summary>
    Resolved,

    /// <summary>The instance said goodbye or its records expired.</summary>
    Removed,
}
