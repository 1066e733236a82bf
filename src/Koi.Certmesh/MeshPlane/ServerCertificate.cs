using System.Security.Cryptography.X509Certificates;
using Koi.Certmesh.Authority;
using Koi.Certmesh.Roster;

namespace Koi.Certmesh.MeshPlane;

/// <summary>
/// What the mesh plane presents: the CA host's own service certificate (members trust the CA as its root). It is
/// reloaded from <c>certs/&lt;host&gt;/</c> only when the roster records a new certificate for the primary (after
/// the CA renewed its own), so a handshake reads nothing from disk.
/// </summary>
internal sealed class ServerCertificate(CaContext ca)
{
    private Loaded? _current;

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

        var loaded = Load(primary.CertPath);
        Volatile.Write(ref _current, new Loaded(primary.CertFingerprint, loaded));
        return loaded;
    }

    private static X509Certificate2 Load(string directory) =>
        X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(directory, "cert.pem")), File.ReadAllText(Path.Combine(directory, "key.pem")));

    private sealed record Loaded(string Fingerprint, X509Certificate2 Certificate);
}
