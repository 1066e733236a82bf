using System.Text.Json.Serialization;
using Koi.Core.Storage;

namespace Koi.Health.Transitions;

/// <summary>What changed state: a machine (from mDNS presence), a registered service check, or a proxy entry (from the proxy's facts).</summary>
[JsonConverter(typeof(SnakeCaseEnumConverter<SubjectKind>))]
public enum SubjectKind
{
    Machine,
    Service,
    Proxy,
}
