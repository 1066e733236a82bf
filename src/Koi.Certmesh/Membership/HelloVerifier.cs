using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Koi.Certmesh.Membership;

/// <summary>
/// Checks that a hello came from whoever holds a key certified by the CA it names: the CA certificate hashes to the
/// fingerprint it claims, the service certificate chains to that CA, and the nonce signature verifies with the
/// service key. An impersonator can copy the public <c>ca.pem</c> but not sign a fresh nonce.
/// </summary>
internal static class HelloVerifier
{
    public static string SignedText(string nonce, string caFingerprint, string hostname) =>
        $"koi-certmesh-hello\n{nonce}\n{caFingerprint}\n{hostname}";

    public static string NewNonce() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));

    /// <summary>Null when the hello is genuine for the CA it names; otherwise why not.</summary>
    public static string? Problem(HelloResponse hello, string nonce, DateTimeOffset now)
    {
        // The hello comes off the network: a field left out arrives as null despite the record's types, and must
        // fail the check (an exception here would leave the pin monitor without a verdict, never raising the alert).
        if (MissingField(hello) is { } missing)
        {
            return $"the hello has no {missing}";
        }

        X509Certificate2 ca;
        X509Certificate2 service;
        try
        {
            ca = X509Certificate2.CreateFromPem(hello.CaCert);
            service = X509Certificate2.CreateFromPem(hello.ServiceCert);
        }
        catch (CryptographicException)
        {
            return "the CA sent certificates that do not parse";
        }

        using (ca)
        using (service)
        {
            if (!string.Equals(Fingerprint(ca), hello.CaFingerprint, StringComparison.Ordinal))
            {
                return "the CA certificate does not match the fingerprint the CA claims";
            }

            if (ChainProblem(service, ca, now) is { } chain)
            {
                return $"the CA's service certificate does not chain to its CA certificate ({chain})";
            }

            if (NameProblem(service, hello.Hostname) is { } name)
            {
                return name;
            }

            using var key = service.GetECDsaPublicKey();
            byte[] signature;
            try
            {
                signature = Convert.FromBase64String(hello.Signature);
            }
            catch (FormatException)
            {
                return "the hello signature is not base64";
            }

            var data = Encoding.UTF8.GetBytes(SignedText(nonce, hello.CaFingerprint, hello.Hostname));
            return key is not null && key.VerifyData(data, signature, HashAlgorithmName.SHA256)
                ? null
                : "the hello signature does not verify: the answering machine does not hold the CA's service key";
        }
    }

    public static string? MissingField(HelloResponse hello) =>
        string.IsNullOrEmpty(hello.Hostname) ? "hostname"
        : string.IsNullOrEmpty(hello.CaFingerprint) ? "ca_fingerprint"
        : string.IsNullOrEmpty(hello.CaCert) ? "ca_cert"
        : string.IsNullOrEmpty(hello.ServiceCert) ? "service_cert"
        : string.IsNullOrEmpty(hello.Signature) ? "signature"
        : null;

    /// <summary>
    /// Null when <paramref name="service"/> is issued to <paramref name="hostname"/> (its subject CN): a hello must be
    /// signed by the certificate of the host it names, so a member cannot sign as the CA's host with its own key.
    /// </summary>
    public static string? NameProblem(X509Certificate2 service, string hostname)
    {
        var subject = service.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
        return string.Equals(subject, hostname, StringComparison.OrdinalIgnoreCase)
            ? null
            : $"the hello names host '{hostname}' but is signed with the certificate of '{subject}'";
    }

    public static string Fingerprint(X509Certificate2 certificate) =>
        Convert.ToHexStringLower(SHA256.HashData(certificate.RawData));

    /// <summary>Null when <paramref name="leaf"/> chains to exactly <paramref name="ca"/> as the only trust anchor.</summary>
    public static string? ChainProblem(X509Certificate2 leaf, X509Certificate2 ca, DateTimeOffset now)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = now.UtcDateTime;
        chain.ChainPolicy.VerificationTimeIgnored = false;
        if (!chain.Build(leaf))
        {
            return string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).DefaultIfEmpty("chain did not build"));
        }

        var root = chain.ChainElements[^1].Certificate;
        return root.RawData.AsSpan().SequenceEqual(ca.RawData) ? null : "the chain ends at another root";
    }
}
