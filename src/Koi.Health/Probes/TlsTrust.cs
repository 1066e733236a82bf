using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Koi.Core.Health;

namespace Koi.Health.Probes;

/// <summary>
/// The TLS verdict of one probe: the system store first, then the mesh CA as a custom root. Keeps why a certificate was
/// refused, because "TLS handshake failed" alone tells an operator nothing.
/// </summary>
internal sealed class TlsTrust(IMeshTrustAnchors meshAnchors)
{
    public string? Problem { get; private set; }

    public bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None)
        {
            return true;
        }

        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            Problem = "the server sent no certificate";
            return false;
        }

        // The mesh CA can vouch for the issuer, never for a certificate issued to another name.
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            Problem = $"certificate is not valid for this host name ({certificate.Subject})";
            return false;
        }

        var anchors = meshAnchors.Current();
        if (anchors.Count == 0)
        {
            Problem = $"certificate not trusted ({Describe(chain)}); no mesh CA to try";
            return false;
        }

        using var meshChain = new X509Chain();
        meshChain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        meshChain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        foreach (var anchor in anchors)
        {
            meshChain.ChainPolicy.CustomTrustStore.Add(anchor);
        }

        if (chain is not null)
        {
            // The intermediates the server sent, so a mesh chain with an intermediate builds too.
            for (var i = 1; i < chain.ChainElements.Count; i++)
            {
                meshChain.ChainPolicy.ExtraStore.Add(chain.ChainElements[i].Certificate);
            }
        }

        var leaf = certificate as X509Certificate2 ?? new X509Certificate2(certificate);
        if (meshChain.Build(leaf))
        {
            return true;
        }

        Problem = $"certificate not trusted by the system store or the mesh CA ({Describe(meshChain)})";
        return false;
    }

    private static string Describe(X509Chain? chain)
    {
        if (chain is null || chain.ChainStatus.Length == 0)
        {
            return "no chain";
        }

        var parts = new List<string>();
        foreach (var status in chain.ChainStatus)
        {
            var text = status.StatusInformation.Trim();
            parts.Add(text.Length > 0 ? text : status.Status.ToString());
        }

        return string.Join("; ", parts.Distinct());
    }
}
