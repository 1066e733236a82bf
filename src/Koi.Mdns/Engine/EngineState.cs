using Koi.Core.Errors;
using Koi.Mdns.Transport;

namespace Koi.Mdns.Engine;

/// <summary>
/// What the engine's parts share: the lock everything runs under, whether the engine runs, and the links in use.
/// Fields other than <see cref="Gate"/> are read and written under it.
/// </summary>
internal sealed class EngineState
{
    public Lock Gate { get; } = new();

    public bool Started { get; set; }

    public bool Stopped { get; set; }

    public bool IsRunning => Started && !Stopped;

    public LinkSet Links { get; set; } = LinkSet.Empty;

    public void EnsureRunning()
    {
        if (!Started || Stopped)
        {
            throw new KoiException(KoiErrorCode.Unavailable, Stopped ? "the mDNS engine has stopped" : "the mDNS engine is not started");
        }
    }
}
