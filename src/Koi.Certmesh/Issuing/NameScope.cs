using System.Formats.Asn1;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using Koi.Core.Net;

namespace Koi.Certmesh.Issuing;

/// <summary>
/// What a mesh root may vouch for (docs/security.md "The root can only vouch for the LAN"): the mesh's zone,
/// <c>.local</c>, the domain scope, and local-scope addresses (<see cref="IpRanges.LocalScopeNetworks"/>). New CAs
/// carry it as a critical Name Constraints extension (RFC 5280 §4.2.1.10), so a certificate for any other name fails
/// in every client that trusts the root — even one signed with a stolen CA key.
/// </summary>
internal sealed class NameScope
{
    public const string Oid = "2.5.29.30";

    private NameScope(IReadOnlyList<string> domains) => Domains = domains;

    /// <summary>DNS subtrees: each name itself and every name below it (RFC 5280: labels added on the left).</summary>
    public IReadOnlyList<string> Domains { get; }

    public static NameScope For(string zone, string? domainScope)
    {
        var domains = new List<string> { zone.Trim('.').ToLowerInvariant(), "local" };
        if (domainScope is { } domain && !domains.Contains(domain.Trim('.').ToLowerInvariant()))
        {
            domains.Add(domain.Trim('.').ToLowerInvariant());
        }

        return new NameScope(domains);
    }

    /// <summary>True when <paramref name="ca"/> carries name constraints (CAs made before koi added them do not).</summary>
    public static bool IsConstrained(X509Certificate2 ca) => ca.Extensions[Oid] is not null;

    /// <summary>Whether a DNS name lies inside the scope; single-label names never do.</summary>
    public bool Permits(string name)
    {
        var lower = name.TrimEnd('.').ToLowerInvariant();
        return Domains.Any(d => lower == d || lower.EndsWith("." + d, StringComparison.Ordinal));
    }

    public static bool Permits(IPAddress address) => IpRanges.IsLocalScope(address);

    /// <summary>The critical extension: permitted subtrees only (dNSName and iPAddress), no excluded ones.</summary>
    public X509Extension Extension()
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        using (writer.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0)))
        {
            foreach (var domain in Domains)
            {
                using (writer.PushSequence())
                {
                    writer.WriteCharacterString(UniversalTagNumber.IA5String, domain, new Asn1Tag(TagClass.ContextSpecific, 2));
                }
            }

            foreach (var network in IpRanges.LocalScopeNetworks)
            {
                using (writer.PushSequence())
                {
                    writer.WriteOctetString(AddressAndMask(network), new Asn1Tag(TagClass.ContextSpecific, 7));
                }
            }
        }

        return new X509Extension(Oid, writer.Encode(), critical: true);
    }

    /// <summary>RFC 5280 §4.2.1.10: an iPAddress subtree is the address followed by the mask, 8 or 32 octets.</summary>
    private static byte[] AddressAndMask(IPNetwork network)
    {
        var address = network.BaseAddress.GetAddressBytes();
        var mask = new byte[address.Length];
        for (var bit = 0; bit < network.PrefixLength; bit++)
        {
            mask[bit / 8] |= (byte)(0x80 >> (bit % 8));
        }

        return [.. address, .. mask];
    }
}
