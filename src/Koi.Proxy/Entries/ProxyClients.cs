using Koi.Core.Errors;

namespace Koi.Proxy.Entries;

/// <summary>Who may connect to an entry: anyone (<c>any</c>, the default) or only active mesh members (<c>mesh</c>).</summary>
internal static class ProxyClients
{
    public const string Any = "any";

    /// <summary>A client certificate that chains to the mesh root and is not revoked, checked during the handshake.</summary>
    public const string Mesh = "mesh";

    public static string Validate(string? clients) => clients?.Trim().ToLowerInvariant() switch
    {
        null or "" or Any => Any,
        Mesh => Mesh,
        _ => throw new KoiException(KoiErrorCode.InvalidRequest, $"clients '{clients}' must be 'any' or 'mesh'"),
    };
}
