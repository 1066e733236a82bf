namespace Koi.Certmesh.Revocation;

/// <summary>What a member knows of its own place in the mesh from the last bundle it applied.</summary>
/// <param name="Sequence">The sequence of the bundle held; 0 when none was ever applied.</param>
/// <param name="RevokedAt">When the CA revoked this machine's certificate; null while it is not revoked.</param>
/// <param name="Problem">Why the last bundle fetched was not applied (rejected or unreachable); null when it was.</param>
internal sealed record BundleStanding(long Sequence, DateTimeOffset? FetchedAt, DateTimeOffset? RevokedAt, string? Problem)
{
    public static BundleStanding None { get; } = new(0, null, null, null);

    public bool Revoked => RevokedAt is not null;
}
