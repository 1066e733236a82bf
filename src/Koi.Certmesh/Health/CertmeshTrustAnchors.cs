using System.Security.Cryptography.X509Certificates;
using Koi.Certmesh.Authority;
using Koi.Core.Errors;
using Koi.Core.Health;

namespace Koi.Certmesh.Health;

/// <summary>The mesh CA for health's HTTPS checks, so a certmesh-served service checks green without extra flags.</summary>
internal sealed class CertmeshTrustAnchors(CertmeshAuthority authority) : IMeshTrustAnchors
{
    public IReadOnlyList<X509Certificate2> Current()
    {
        if (!authority.Initialized)
        {
            return [];
        }

        try
        {
            return [X509Certificate2.CreateFromPem(authority.CaPem())];
        }
        catch (KoiException)
        {
            // Destroyed between the check and the read: no mesh, no anchor.
            return [];
        }
    }
}
