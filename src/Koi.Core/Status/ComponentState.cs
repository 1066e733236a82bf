namespace Koi.Core.Status;

public enum ComponentState
{
    Disabled,
    Starting,
    Running,
    Failed,
    Stopped,
}
