using Koi.Core.Errors;

namespace Koi.Cli;

/// <summary>The user asked for something the CLI cannot do as asked (exit 2).</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>No daemon answered at the endpoint (exit 3).</summary>
internal sealed class DaemonUnreachableException(string endpoint, Exception inner)
    : Exception($"koi daemon is not reachable at {endpoint} ({inner.Message}). Start it with `koi daemon` (as root for the system data dir), or pass --endpoint.", inner)
{
    public string Endpoint { get; } = endpoint;
}

/// <summary>The daemon answered with an API error.</summary>
internal sealed class DaemonErrorException(int status, KoiError error) : Exception(error.Message)
{
    public int Status { get; } = status;

    public KoiError Error { get; } = error;

    /// <summary>Bad input is the caller's to fix (exit 2); everything else is a failed operation (exit 1).</summary>
    public int ExitCode => Status == 400 || Error.Error == KoiErrorCode.InvalidRequest ? ExitCodes.Usage : ExitCodes.Failed;
}

/// <summary>The CLI itself cannot finish (e.g. no CA found); exit 1 with a CLI-side error code.</summary>
internal sealed class CliFailure(string code, string message) : Exception(message)
{
    public string Code { get; } = code;
}
