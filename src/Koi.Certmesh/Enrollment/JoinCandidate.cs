using System.Net;
using System.Security.Cryptography.X509Certificates;

namespace Koi.Certmesh.Enrollment;

/// <summary>
/// A join request as far as it can be judged without the CA's state: hostname syntax, CSR, claimed addresses.
/// Parsed before the authority's gate (the CSR signature check is the costly part), but its <see cref="Problem"/> is
/// reported in rule order, after the code was checked.
/// </summary>
internal sealed class JoinCandidate
{
    private JoinCandidate(string? hostname, PublicKey? key, IReadOnlyList<IPAddress> claimed, string? problem)
    {
        Hostname = hostname;
        Key = key;
        Claimed = claimed;
        Problem = problem;
    }

    /// <summary>Lowercased, syntax checked; may still be qualified (resolved against the domain scope later).</summary>
    public string? Hostname { get; }

    public PublicKey? Key { get; }

    public IReadOnlyList<IPAddress> Claimed { get; }

    /// <summary>Why the request is malformed (<c>400 invalid_request</c>), or null.</summary>
    public string? Problem { get; }

    public static JoinCandidate Parse(JoinRequest body, EnrollmentPolicy policy)
    {
        var hostname = JoinHostname.Syntax(body.Hostname, out var problem);
        if (hostname is null)
        {
            return new JoinCandidate(null, null, [], problem);
        }

        var key = JoinCsr.Check(body.Csr, policy.MaxCsrChars, out problem);
        if (key is null)
        {
            return new JoinCandidate(hostname, null, [], problem);
        }

        var claimed = JoinAddresses.Parse(body.Addresses, policy.MaxClaimedAddresses, out problem);
        return claimed is null
            ? new JoinCandidate(hostname, null, [], problem)
            : new JoinCandidate(hostname, key, claimed, null);
    }

    /// <summary>For callers that already hold a checked key (approval, the signing benchmark).</summary>
    public static JoinCandidate Of(string hostname, PublicKey key, IReadOnlyList<IPAddress> claimed) => new(hostname, key, claimed, null);
}
