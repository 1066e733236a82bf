using System.Security.Cryptography;
using System.Text;
using Koi.Certmesh.Crypto;
using Koi.Core.Storage;

namespace Koi.Certmesh.Authority;

/// <summary>
/// The explicit opt-in to unlock at boot without a person. Method <c>machine-id</c>: the passphrase is sealed
/// (AES-256-GCM) under a key derived from the machine identity, which sits on the same disk. Method
/// <c>systemd-creds</c> (<see cref="SystemdCredsSeal"/>): sealed by systemd to the host key and the TPM2 when present.
/// Neither protects against root on this machine — which is why it is opt-in, warned about, and shown by
/// <c>compliance</c> (docs/certmesh.md#auto-unlock-opt-in).
/// </summary>
internal static class AutoUnlock
{
    public const string MachineIdMethod = "machine-id";
    public const string SystemdCredsMethod = "systemd-creds";
    public const string Off = "off";

    public const string Warning = "AUTO-UNLOCK is on: the CA passphrase is stored on this machine (sealed to its machine id). Anyone with root here can sign certificates for your network.";

    public const string SystemdCredsWarning = "AUTO-UNLOCK is on (systemd-creds): the CA passphrase is stored on this machine, sealed by systemd-creds (to the TPM2 when present). Anyone with root here can sign certificates for your network.";

    public static bool IsMethod(string? method) => method is MachineIdMethod or SystemdCredsMethod or Off;

    /// <summary>The method in use: <c>off</c>, or how the passphrase is kept (a roster from before the choice: machine-id).</summary>
    public static string MethodOf(Roster.RosterMetadata metadata) => !metadata.AutoUnlock ? Off : metadata.AutoUnlockMethod ?? MachineIdMethod;

    public static string WarningFor(string method) => method == SystemdCredsMethod ? SystemdCredsWarning : Warning;

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
