using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Koi.Core.Trust;

/// <summary>
/// One immutable view of mesh membership for TLS listeners: the root a client certificate must chain to (built by
/// the TLS stack through <see cref="ChainPolicy"/>) and the revoked serials, checked in memory with no I/O.
/// </summary>
public sealed class MeshClientTrust
{
    private static readonly Oid ClientAuth = new("1.3.6.1.5.5.7.3.2");

    public MeshClientTrust(X509Certificate2? root, SerialSet revoked, long sequence)
    {
        Root = root;
        Revoked = revoked;
        Sequence = sequence;
        if (root is not null)
        {
            // Built once per bundle and shared by every handshake; nothing is fetched from the network or disk.
            ChainPolicy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                RevocationMode = X509RevocationMode.NoCheck,
                DisableCertificateDownloads = true,
            };
            ChainPolicy.CustomTrustStore.Add(root);
            ChainPolicy.ApplicationPolicy.Add(ClientAuth);
        }
    }

    /// <summary>No mesh: no root, nobody admitted.</summary>
    public static MeshClientTrust None { get; } = new(null, SerialSet.Empty, 0);

    public X509Certificate2? Root { get; }

    public SerialSet Revoked { get; }

    /// <summary>The trust bundle's sequence number this view was built from (0 without one).</summary>
    public long Sequence { get; }

    /// <summary>For <see cref="SslServerAuthenticationOptions.CertificateChainPolicy"/>; null when there is no mesh.</summary>
    public X509ChainPolicy? ChainPolicy { get; }

    public bool IsRevoked(X509Certificate2 certificate) => Revoked.Contains(certificate.SerialNumberBytes.Span);

    /// <summary>
    /// Why a client is refused, or null when it is an active member. <paramref name="errors"/> is the TLS stack's
    /// verdict on the chain it built under <see cref="ChainPolicy"/> (expiry and signature included).
    /// </summary>
    public string? Refusal(X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (Root is null)
        {
            return "no mesh on this machine";
        }

        if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0)
        {
            return "no client certificate";
        }

        if ((errors & SslPolicyErrors.RemoteCertificateChainErrors) != 0)
        {
            return "certificate not issued by the mesh CA (or expired)";
        }

        return certificate is X509Certificate2 leaf && IsRevoked(leaf) ? "certificate revoked" : null;
    }
}
