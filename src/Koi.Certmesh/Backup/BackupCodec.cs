using System.Security.Cryptography;
using System.Text.Json;
using Koi.Certmesh.Crypto;
using Koi.Core.Storage;

namespace Koi.Certmesh.Backup;

/// <summary>Seals <see cref="BackupContents"/> into a <see cref="BackupFile"/> and opens it again. No I/O.</summary>
internal static class BackupCodec
{
    public static string Seal(BackupContents contents, string passphrase, int iterations = KeyVault.Iterations)
    {
        var plain = JsonSerializer.SerializeToUtf8Bytes(contents, CertmeshJsonContext.Default.BackupContents);
        var salt = KeyVault.NewSalt();
        var key = KeyVault.DeriveSecretKey(passphrase, salt, iterations);
        try
        {
            var file = new BackupFile(
                BackupFile.FormatName, BackupFile.CurrentVersion, contents.CaFingerprint, contents.CreatedOn, contents.CreatedAt,
                KeyVault.Seal(plain, key, salt, iterations));
            return KoiJson.ToIndentedString(file, CertmeshJsonContext.Default.BackupFile);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
            CryptographicOperations.ZeroMemory(plain);
        }
    }

    /// <summary>
    /// Reads the header without a passphrase. Throws <see cref="InvalidDataException"/> when the text is not a koi
    /// certmesh backup this version can read.
    /// </summary>
    public static BackupFile ReadHeader(string text)
    {
        BackupFile? file;
        try
        {
            file = JsonSerializer.Deserialize(text, CertmeshJsonContext.Default.BackupFile);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException("not a koi certmesh backup (not JSON)", ex);
        }

        if (file is null || file.Format != BackupFile.FormatName || file.Sealed is null)
        {
            throw new InvalidDataException("not a koi certmesh backup");
        }

        if (file.Version > BackupFile.CurrentVersion)
        {
            throw new InvalidDataException($"backup format version {file.Version}; this koi reads up to {BackupFile.CurrentVersion}");
        }

        if (file.Sealed.Kdf != "pbkdf2-sha256" || file.Sealed.Iterations is < 100_000 or > 10_000_000)
        {
            throw new InvalidDataException($"unsupported key derivation {file.Sealed.Kdf} ({file.Sealed.Iterations} iterations)");
        }

        return file;
    }

    /// <summary>
    /// Opens the backup. Throws <see cref="CryptographicException"/> for a wrong passphrase or a changed file (GCM
    /// authenticates every byte), <see cref="InvalidDataException"/> for something that is not a backup.
    /// </summary>
    public static BackupContents Open(string text, string passphrase)
    {
        var file = ReadHeader(text);
        byte[] key;
        byte[] plain;
        try
        {
            key = KeyVault.DeriveSecretKey(passphrase, Convert.FromBase64String(file.Sealed.Salt), file.Sealed.Iterations);
        }
        catch (FormatException ex)
        {
            throw new InvalidDataException("damaged backup (salt)", ex);
        }

        try
        {
            plain = KeyVault.Open(file.Sealed, key);
        }
        catch (FormatException ex)
        {
            throw new InvalidDataException("damaged backup (envelope)", ex);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }

        try
        {
            var contents = JsonSerializer.Deserialize(plain, CertmeshJsonContext.Default.BackupContents)
                ?? throw new InvalidDataException("empty backup");
            if (contents.CaFingerprint != file.CaFingerprint)
            {
                throw new InvalidDataException("the backup's header names another CA than its sealed contents");
            }

            return contents;
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException("damaged backup (contents)", ex);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plain);
        }
    }
}
