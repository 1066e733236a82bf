using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Koi.Certmesh.Authority;
using Koi.Certmesh.Roster;

namespace Koi.Certmesh.MeshPlane;

/// <summary>
/// The CA host's own service certificate as this machine presents it: the mesh plane's TLS and the hello's signature
/// (docs/certmesh.md "Joining") both take it from here, so a joiner can never be shown one generation in the hello and
/// another at the handshake. It is reloaded from <c>certs/&lt;host&gt;/</c> only when the roster records a new
/// certificate for the primary (after the CA renewed its own), so a handshake reads nothing from disk.
/// </summary>
internal sealed class ServerCertificate(CaContext ca)
{
    private Loaded? _current;

    /// <summary>
    /// The certificate with its private key; null when there is no CA here, or when the files hold no whole pair and
    /// none was loaded before.
    /// </summary>
    public X509Certificate2? Current()
    {
        if (ca.Roster.Current?.Members.FirstOrDefault(m => m.Role == MemberRole.Primary) is not { } primary)
        {
            return null;
        }

        var cached = Volatile.Read(ref _current);
        if (cached is not null && cached.Fingerprint == primary.CertFingerprint)
        {
            return cached.Certificate;
        }

        // A read during the CA's own renewal may straddle the directory swap (one generation's certificate, the other's
        // key). The pair it had stays in use until the files are whole again; the next call retries.
        if (TryLoad(primary.CertPath) is not { } loaded)
        {
            return cached?.Certificate;
        }

        Volatile.Write(ref _current, new Loaded(primary.CertFingerprint, loaded));
        return loaded;
    }

    private static X509Certificate2? TryLoad(string directory)
    {
        try
        {
            return X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(directory, "cert.pem")), File.ReadAllText(Path.Combine(directory, "key.pem")));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            return null;
        }
    }

    private sealed record Loaded(string Fingerprint, X509Certificate2 Certificate);
}
