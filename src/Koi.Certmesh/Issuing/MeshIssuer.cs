using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Koi.Certmesh.Authority;
using Koi.Certmesh.Enrollment;
using Koi.Certmesh.Roster;

namespace Koi.Certmesh.Issuing;

/// <summary>
/// What goes into a mesh certificate: the names and addresses a machine may carry (its hostname, the zone, the
/// domain scope; addresses it proved or claimed within the subnet scope and not held by another member) and the
/// policy's lifetime. Anything left out is audited as <c>scope_denied</c>.
/// </summary>
internal sealed class MeshIssuer(CaContext ca)
{
    /// <summary>Where this CA's CRL is served (its LAN API); every certificate carries it as its CRL distribution point.</summary>
    public string CrlUrl => $"http://{ca.Hostname}.local:{ca.Options.AnnouncePort}/v1/certmesh/crl";

    /// <summary>The CA host's own service certificate: key made here, files written to <c>certs/&lt;host&gt;/</c>.</summary>
    public (X509Certificate2 Cert, string CertPath) IssueOwn(X509Certificate2 caCert, ECDsa caKey, string hostname, string? domain, string? subnet, CertPolicy policy, DateTimeOffset now, IEnumerable<string>? serviceNames = null)
    {
        var sans = SanPolicy.For(hostname, ca.Options.Zone, ca.Options.ResolveAddresses(), domain, NameScope.IsConstrained(caCert));

        var refused = SanPolicy.OutOfScope(sans, hostname, ca.Options.Zone, domain, subnet);
        if (refused.Count > 0)
        {
            // The primary's own addresses outside the subnet scope are left out rather than failing the create.
            ca.Audit.Write("scope_denied", ("hostname", hostname), ("refused", string.Join(",", refused)));
            sans = new SanSet(
                [.. sans.DnsNames.Where(n => !refused.Contains(n))],
                [.. sans.Addresses.Where(a => !refused.Contains(a.ToString()))]);
        }

        // Granted service names are names in the mesh's own zone that this CA decided on (Naming.ServiceNames); the
        // domain scope, which limits what members may claim, does not apply to them.
        sans = sans with { DnsNames = [.. sans.DnsNames.Concat(serviceNames ?? []).Distinct(StringComparer.OrdinalIgnoreCase)] };
        using var serviceKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={hostname}", serviceKey, HashAlgorithmName.SHA256);
        var cert = ServiceCertificateIssuer.Issue(caCert, caKey, request.PublicKey, hostname, sans, now, policy.Lifetime, CrlUrl);
        var certPath = ca.Files.CertPath(hostname);
        CertFileSet.Write(certPath, cert.ExportCertificatePem() + "\n", serviceKey.ExportPkcs8PrivateKeyPem() + "\n", caCert.ExportCertificatePem() + "\n");
        return (cert, certPath);
    }

    /// <summary>
    /// A joining member's certificate for <paramref name="candidate"/>'s key, with the SANs it may carry. The source
    /// address is proven by the connection; the addresses it claims besides are certified only when an operator
    /// <paramref name="approved"/> the join (the pending view shows them), and are otherwise left out as <c>unproven</c>.
    /// </summary>
    public (X509Certificate2 Cert, SanSet Sans) IssueForJoin(X509Certificate2 caCert, ECDsa caKey, RosterDocument roster, JoinCandidate candidate, string hostname, IPAddress source, bool approved)
    {
        var meta = roster.Metadata;
        var from = source.ToString();
        var (certified, leftOut) = JoinAddresses.Authorize(source, candidate.Claimed, SubnetScope(meta), HeldAddresses(roster, hostname));
        if (!approved)
        {
            var unproven = certified.Where(a => !a.Equals(JoinAddresses.Normalize(source))).ToList();
            certified.RemoveAll(unproven.Contains);
            leftOut.AddRange(unproven.Select(a => (a, "unproven")));
        }

        foreach (var group in leftOut.GroupBy(l => l.Reason))
        {
            ca.Audit.Write("scope_denied", ("hostname", hostname), ("from", from), ("refused", string.Join(",", group.Select(l => l.Address.ToString()))), ("reason", group.Key));
        }

        var sans = SanPolicy.For(hostname, meta.Zone, certified, meta.DomainScope, NameScope.IsConstrained(caCert));
        return (ServiceCertificateIssuer.Issue(caCert, caKey, candidate.Key!, hostname, sans, ca.Now, meta.Policy.Lifetime, CrlUrl), sans);
    }

    /// <summary>A renewal: the member's new key, the SANs decided for it, the lifetime of the mesh's policy now.</summary>
    public X509Certificate2 Reissue(X509Certificate2 caCert, ECDsa caKey, PublicKey key, string hostname, SanSet sans, CertPolicy policy) =>
        ServiceCertificateIssuer.Issue(caCert, caKey, key, hostname, sans, ca.Now, policy.Lifetime);

    /// <summary>
    /// The SANs of a machine that asked for service names: its own names (<see cref="SanPolicy.For"/>), the granted
    /// service names, and <paramref name="addresses"/>; no bare host label under a name-constrained CA (docs/security.md).
    /// </summary>
    public static SanSet SansFor(string hostname, RosterMetadata meta, IReadOnlyList<IPAddress> addresses, IEnumerable<Koi.Core.Naming.NameDecision>? names, bool constrained)
    {
        var own = SanPolicy.For(hostname, meta.Zone, addresses, meta.DomainScope, constrained);
        return own with { DnsNames = [.. own.DnsNames.Concat(Naming.ServiceNames.Granted(names)).Distinct(StringComparer.OrdinalIgnoreCase)] };
    }

    /// <summary>IP addresses certified to active members other than <paramref name="hostname"/>.</summary>
    public static HashSet<IPAddress> HeldAddresses(RosterDocument roster, string hostname)
    {
        var held = new HashSet<IPAddress>();
        foreach (var other in roster.Members.Where(m => m.Status == MemberStatus.Active && !string.Equals(m.Hostname, hostname, StringComparison.OrdinalIgnoreCase)))
        {
            foreach (var san in other.CertSans)
            {
                if (IPAddress.TryParse(san, out var address))
                {
                    held.Add(address);
                }
            }
        }

        return held;
    }

    /// <summary>The SANs a roster entry records, as a set to issue again.</summary>
    public static SanSet SansOf(RosterMember member)
    {
        var names = new List<string>();
        var addresses = new List<IPAddress>();
        foreach (var san in member.CertSans)
        {
            if (IPAddress.TryParse(san, out var address))
            {
                addresses.Add(address);
            }
            else
            {
                names.Add(san);
            }
        }

        return new SanSet(names, addresses);
    }

    public static IPNetwork? SubnetScope(RosterMetadata meta) =>
        meta.SubnetScope is { } text && SanPolicy.TryParseSubnet(text, out var network) ? network : null;
}
