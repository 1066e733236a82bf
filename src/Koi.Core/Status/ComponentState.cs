using System.Text.Json.Serialization;
using Koi.Core.Storage;

namespace Koi.Core.Status;

[JsonConverter(typeof(SnakeCaseEnumConverter<ComponentState>))]
public enum ComponentState
{
    Disabled,
    Starting,
    Running,
    Failed,
    Stopped,
}
