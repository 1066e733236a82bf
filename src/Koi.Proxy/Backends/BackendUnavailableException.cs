namespace Koi.Proxy.Backends;

/// <summary>The backend could not be reached for one connection; the message says why (refused, timed out, …).</summary>
internal sealed class BackendUnavailableException(string message) : Exception(message);
