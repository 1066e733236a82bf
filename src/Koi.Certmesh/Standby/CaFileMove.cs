using Koi.Certmesh.Authority;
using Koi.Core.Storage;

namespace Koi.Certmesh.Standby;

/// <summary>
/// Copies a CA's files between <c>certmesh/</c> (where a CA signs) and <c>certmesh/standby/</c> (where it waits),
/// in the same formats, secrets 0600 from creation. The role of a machine is where its CA files are.
/// </summary>
internal static class CaFileMove
{
    public static void Copy(CertmeshFiles from, CertmeshFiles to)
    {
        CaLifecycle.CreatePrivateDirectory(to.Dir);
        CaLifecycle.CreatePrivateDirectory(to.CaDir);
        AtomicFile.WriteAllText(to.CaKey, File.ReadAllText(from.CaKey), AtomicFile.SecretMode);
        AtomicFile.WriteAllText(to.TotpSecret, File.ReadAllText(from.TotpSecret), AtomicFile.SecretMode);
        AtomicFile.WriteAllText(to.AuditKey, File.ReadAllText(from.AuditKey), AtomicFile.SecretMode);
        AtomicFile.WriteAllText(to.AuditLog, File.ReadAllText(from.AuditLog), AtomicFile.SecretMode);
        AtomicFile.WriteAllText(to.CaCert, File.ReadAllText(from.CaCert));
    }

    /// <summary>Removes the standby's copy once the CA lives in <c>certmesh/</c>: the key is never kept twice.</summary>
    public static void ClearStandby(CertmeshFiles standby)
    {
        foreach (var file in new[] { standby.CaKey, standby.TotpSecret, standby.AuditKey, standby.AuditLog, standby.CaCert, standby.Roster, standby.TrustBundle })
        {
            File.Delete(file);
        }
    }
}
