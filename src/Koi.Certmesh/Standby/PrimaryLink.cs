using Koi.Certmesh.Membership;

namespace Koi.Certmesh.Standby;

/// <summary>
/// <c>certmesh/standby/primary.json</c>: how the standby reaches the primary's mTLS plane, as whom, and which CA it
/// must find there. Written at promote (from the membership) and when the standby learns of a new primary.
/// </summary>
internal sealed record PrimaryLink(string Hostname, string PrimaryHostname, string Endpoint, int? MeshPort, string PinnedCaFingerprint)
{
    public static PrimaryLink From(MembershipDocument member) =>
        new(member.Hostname, member.CaHostname, member.CaEndpoint, member.CaMeshPort, member.PinnedCaFingerprint);

    /// <summary>The shape <see cref="MeshClient"/> addresses: this machine's certificate, the primary's plane, the pin.</summary>
    public MembershipDocument AsMember() => new()
    {
        Hostname = Hostname,
        CaEndpoint = Endpoint,
        CaHostname = PrimaryHostname,
        CaMeshPort = MeshPort,
        PinnedCaFingerprint = PinnedCaFingerprint,
        Profile = "standby",
        RequiresApproval = false,
        JoinedAt = DateTimeOffset.UnixEpoch,
        CertPath = string.Empty,
        Sans = [],
        CertExpires = DateTimeOffset.UnixEpoch,
    };
}
