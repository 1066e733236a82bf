using System.Security.Cryptography;
using System.Text;
using Koi.Certmesh.Crypto;
using Koi.Core.Storage;

namespace Koi.Certmesh.Authority;

/// <summary>
/// The explicit opt-in to unlock at boot without a person: the passphrase is sealed (AES-256-GCM) under a key derived
/// from the machine identity. This protects against a copied disk or backup, not against root on this machine —
/// which is why it is opt-in, warned about, and shown by <c>compliance</c>.
/// </summary>
internal static class AutoUnlock
{
    public const string Warning = "AUTO-UNLOCK is on: the CA passphrase is stored on this machine (sealed to its machine id). Anyone with root here can sign certificates for your network.";

    public static string? DefaultMachineId()
    {
        foreach (var path in new[] { "/etc/machine-id", "/var/lib/dbus/machine-id" })
        {
            if (File.Exists(path) && File.ReadAllText(path).Trim() is { Length: > 0 } id)
            {
                return id;
            }
        }

        return null;
    }

    public static void Store(string path, string passphrase, string machineId)
    {
        var salt = KeyVault.NewSalt();
        var key = Key(machineId, salt);
        var sealedSecret = KeyVault.Seal(Encoding.UTF8.GetBytes(passphrase), key, salt, iterations: 1);
        CryptographicOperations.ZeroMemory(key);
        AtomicFile.WriteAllText(path, KeyVault.Serialize(sealedSecret), AtomicFile.SecretMode);
    }

    /// <summary>The passphrase, or null when the machine identity is not the one it was sealed to.</summary>
    public static string? Open(string path, string machineId)
    {
        var sealedSecret = KeyVault.Deserialize(File.ReadAllText(path));
        var key = Key(machineId, Convert.FromBase64String(sealedSecret.Salt));
        try
        {
            return Encoding.UTF8.GetString(KeyVault.Open(sealedSecret, key));
        }
        catch (CryptographicException)
        {
            return null;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    private static byte[] Key(string machineId, byte[] salt) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(machineId), 32, salt, Encoding.UTF8.GetBytes("koi certmesh auto-unlock v1"));
}
