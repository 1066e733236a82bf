using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Koi.Certmesh.Membership;

/// <summary>What a member's check of its CA concluded. Only <see cref="FingerprintChanged"/> is a possible MITM.</summary>
internal enum CaVerdictKind
{
    Verified,
    Unreachable,
    Expired,
    NotYetValid,
    ClockSkew,
    FingerprintChanged,
}

internal sealed record CaVerdict(CaVerdictKind Kind, string Detail)
{
    /// <summary>How far the two clocks may drift before certificates' validity cannot be judged (docs/certmesh.md).</summary>
    public static readonly TimeSpan MaxSkew = TimeSpan.FromMinutes(5);

    public string Name => Kind switch
    {
        CaVerdictKind.Verified => "verified",
        CaVerdictKind.Unreachable => "unreachable",
        CaVerdictKind.Expired => "expired",
        CaVerdictKind.NotYetValid => "not_yet_valid",
        CaVerdictKind.ClockSkew => "clock_skew",
        _ => "fingerprint_changed",
    };

    /// <summary>
    /// Judges a hello against the pinned fingerprint. Identity comes first and ignores time: the CA certificate must
    /// hash to the pin, the service certificate must chain to it, and the nonce signature must verify — anything
    /// else is a changed fingerprint. Only then is time judged: the clocks' skew first (a wrong clock makes every
    /// validity look wrong), then the validity of the service and CA certificates.
    /// </summary>
    public static CaVerdict Judge(HelloResponse hello, string nonce, string pinned, DateTimeOffset now, string? pinnedHostname = null)
    {
        if (Identity(hello, nonce, pinned, pinnedHostname) is { } mitm)
        {
            return new(CaVerdictKind.FingerprintChanged, mitm);
        }

        if (hello.CaTime is { } caTime && (caTime - now).Duration() > MaxSkew)
        {
            return new(CaVerdictKind.ClockSkew,
                $"the CA's clock ({caTime.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}) and this machine's ({now.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}) differ by {(caTime - now).Duration().TotalMinutes:0} minutes; fix the clock (NTP) on the wrong one");
        }

        using var ca = X509Certificate2.CreateFromPem(hello.CaCert);
        using var service = X509Certificate2.CreateFromPem(hello.ServiceCert);
        foreach (var (cert, what) in new[] { (ca, "CA certificate"), (service, "CA's service certificate") })
        {
            if (cert.NotAfter.ToUniversalTime() < now)
            {
                return new(CaVerdictKind.Expired, $"the {what} expired {cert.NotAfter.ToUniversalTime():yyyy-MM-ddTHH:mm:ssZ}; the CA must be unlocked to renew it");
            }

            if (cert.NotBefore.ToUniversalTime() > now)
            {
                return new(CaVerdictKind.NotYetValid, $"the {what} is valid only from {cert.NotBefore.ToUniversalTime():yyyy-MM-ddTHH:mm:ssZ}; check this machine's clock");
            }
        }

        return new(CaVerdictKind.Verified, "identity proven, certificates valid");
    }

    /// <summary>Null when the hello proves the pinned CA's identity (time aside); otherwise why not.</summary>
    private static string? Identity(HelloResponse hello, string nonce, string pinned, string? pinnedHostname)
    {
        // The hello comes off the network: a field left out arrives as null despite the record's types.
        if (HelloVerifier.MissingField(hello) is { } missing)
        {
            return $"the hello has no {missing}";
        }

        if (!string.Equals(hello.CaFingerprint, pinned, StringComparison.Ordinal))
        {
            return $"the CA now presents fingerprint {hello.CaFingerprint}";
        }

        // Bound to the CA's host as pinned at join: another member's certificate chains to the same CA, and must
        // not pass for the CA because it signs a hello naming its own host.
        if (pinnedHostname is not null && !string.Equals(hello.Hostname, pinnedHostname, StringComparison.OrdinalIgnoreCase))
        {
            return $"the answer names host '{hello.Hostname}', not the CA's host '{pinnedHostname}'";
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
            if (!string.Equals(HelloVerifier.Fingerprint(ca), pinned, StringComparison.Ordinal))
            {
                return "the CA certificate does not hash to the pinned fingerprint";
            }

            if (ChainsIgnoringTime(service, ca) is { } chain)
            {
                return $"the service certificate does not chain to the pinned CA ({chain})";
            }

            if (HelloVerifier.NameProblem(service, hello.Hostname) is { } name)
            {
                return name;
            }

            byte[] signature;
            try
            {
                signature = Convert.FromBase64String(hello.Signature);
            }
            catch (FormatException)
            {
                return "the hello signature is not base64";
            }

            using var key = service.GetECDsaPublicKey();
            var data = Encoding.UTF8.GetBytes(HelloVerifier.SignedText(nonce, hello.CaFingerprint, hello.Hostname));
            return key is not null && key.VerifyData(data, signature, HashAlgorithmName.SHA256)
                ? null
                : "the hello signature does not verify: the answering machine does not hold the CA's service key";
        }
    }

    private static string? ChainsIgnoringTime(X509Certificate2 leaf, X509Certificate2 ca)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationFlags = X509VerificationFlags.IgnoreNotTimeValid | X509VerificationFlags.IgnoreCtlNotTimeValid;
        if (!chain.Build(leaf))
        {
            return string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).DefaultIfEmpty("chain did not build"));
        }

        return chain.ChainElements[^1].Certificate.RawData.AsSpan().SequenceEqual(ca.RawData) ? null : "the chain ends at another root";
    }
}
