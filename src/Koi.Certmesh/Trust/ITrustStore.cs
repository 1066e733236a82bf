using System.Text.Json.Serialization;
using Koi.Core.Storage;

namespace Koi.Certmesh.Trust;

/// <summary>One place a machine keeps trusted roots (the system store, one NSS database, …).</summary>
internal interface ITrustStore
{
    /// <summary>Short stable name, e.g. <c>system</c> or <c>nss:/root/.pki/nssdb</c>.</summary>
    string Name { get; }

    Task<TrustResult> InstallAsync(string caPem, string fingerprint, CancellationToken cancellationToken);

    Task<TrustResult> StatusAsync(string fingerprint, CancellationToken cancellationToken);

    Task<TrustResult> RemoveAsync(string fingerprint, CancellationToken cancellationToken);
}

/// <param name="Remedy">What the operator can do about a failure, e.g. run as root.</param>
internal sealed record TrustResult(string Store, TrustState State, string? Detail = null, string? Remedy = null);

[JsonConverter(typeof(SnakeCaseEnumConverter<TrustState>))]
internal enum TrustState
{
    Installed,
    Missing,
    Removed,
    Failed,
}
