namespace Koi.Cli;

/// <summary>The CLI's exit codes; scripts rely on them.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int Usage = 2;
    public const int DaemonUnreachable = 3;

    /// <summary>Accepted but not done yet: <c>koi mdns announce</c> registered the service, but no interface was there to announce it on.</summary>
    public const int NotAnnounced = 4;
}
