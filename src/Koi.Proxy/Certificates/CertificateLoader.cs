using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Koi.Proxy.Certificates;

/// <summary>
/// Reads fullchain.pem (the service certificate first, then its chain) and key.pem into a handshake-ready context.
/// Refuses a key that does not belong to the certificate — what a reader could see mid-swap if files were replaced
/// one by one — so the caller keeps the previous certificate instead.
/// </summary>
internal static class CertificateLoader
{
    private const string EcPublicKeyOid = "1.2.840.10045.2.1"; // id-ecPublicKey, RFC 5480 §2.1.1

    public static LoadedCertificate Load(string directory, DateTimeOffset now)
    {
        var stamp = FileStamp.Read(directory)
            ?? throw new CertificateProblemException(Missing(directory));
        string chainPem;
        string keyPem;
        try
        {
            chainPem = File.ReadAllText(Path.Combine(directory, CertificateLocation.FullChainFile));
            keyPem = File.ReadAllText(Path.Combine(directory, CertificateLocation.KeyFile));
        }
        catch (FileNotFoundException)
        {
            throw new CertificateProblemException(Missing(directory));
        }
        catch (DirectoryNotFoundException)
        {
            throw new CertificateProblemException(Missing(directory));
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            // A read error, or a file swapped out between the stat and the read: the next check tries again.
            throw new CertificateProblemException($"cannot read the certificate files in {directory}: {ex.Message}");
        }

        X509Certificate2 leaf;
        var chain = new X509Certificate2Collection();
        try
        {
            chain.ImportFromPem(chainPem);
            if (chain.Count == 0)
            {
                throw new CertificateProblemException($"{Path.Combine(directory, CertificateLocation.FullChainFile)} holds no certificate");
            }

            leaf = X509Certificate2.CreateFromPem(chainPem, keyPem);
        }
        catch (CryptographicException ex)
        {
            throw new CertificateProblemException($"the certificate files in {directory} do not load ({ex.Message})");
        }
        catch (ArgumentException ex)
        {
            // CreateFromPem: no key in key.pem, or a key that does not match the certificate.
            throw new CertificateProblemException($"key.pem in {directory} does not belong to the certificate in fullchain.pem ({ex.Message})");
        }

        foreach (var extra in chain)
        {
            if (extra.RawDataMemory.Span.SequenceEqual(leaf.RawDataMemory.Span))
            {
                chain.Remove(extra);
                extra.Dispose();
                break;
            }
        }

        var context = SslStreamCertificateContext.Create(leaf, chain, offline: true);
        return new LoadedCertificate(
            context,
            leaf.Subject,
            leaf.SerialNumber.ToLowerInvariant(),
            leaf.NotBefore.ToUniversalTime(),
            leaf.NotAfter.ToUniversalTime(),
            Names(leaf),
            now,
            leaf.GetKeyAlgorithm() == EcPublicKeyOid,
            stamp);
    }

    private static string Missing(string directory) =>
        $"no certificate in {directory} ({CertificateLocation.FullChainFile} and {CertificateLocation.KeyFile}): " +
        "run `koi certmesh create` (first machine) or `koi certmesh join` on this machine, or pass --cert-path DIR. " +
        "The proxy never serves a self-signed certificate.";

    private static List<string> Names(X509Certificate2 certificate)
    {
        var names = new List<string>();
        foreach (var extension in certificate.Extensions)
        {
            if (extension is X509SubjectAlternativeNameExtension san)
            {
                names.AddRange(san.EnumerateDnsNames());
                names.AddRange(san.EnumerateIPAddresses().Select(a => a.ToString()));
            }
        }

        return names;
    }
}

/// <summary>The certificate files are missing or unusable; the message names the files and the remedy.</summary>
internal sealed class CertificateProblemException(string message) : Exception(message);
