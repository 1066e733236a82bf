namespace Koi.Certmesh.Authority;

/// <summary>Where certmesh keeps its state inside the data directory (docs/certmesh.md lists the same).</summary>
internal sealed class CertmeshFiles(string certmeshDir, string certsDir)
{
    public string Dir { get; } = certmeshDir;

    public string CaDir => Path.Combine(Dir, "ca");

    public string CaKey => Path.Combine(CaDir, "ca-key.enc");

    public string CaCert => Path.Combine(CaDir, "ca-cert.pem");

    public string TotpSecret => Path.Combine(CaDir, "totp-secret.enc");

    public string AutoUnlock => Path.Combine(CaDir, "auto-unlock.enc");

    /// <summary>The passphrase as systemd-creds sealed it (auto-unlock method <c>systemd-creds</c>).</summary>
    public string AutoUnlockCredential => Path.Combine(CaDir, "auto-unlock.cred");

    public string AuditKey => Path.Combine(CaDir, "audit-key.pem");

    public string Roster => Path.Combine(Dir, "roster.json");

    public string AuditLog => Path.Combine(Dir, "audit.log");

    public string TrustRecord => Path.Combine(Dir, "trust.json");

    /// <summary>The signed trust bundle this machine holds: the one its CA signed, or on a member the last one verified.</summary>
    public string TrustBundle => Path.Combine(Dir, "trust-bundle.json");

    /// <summary>The same revocations as an X.509 CRL in PEM, for nginx's <c>ssl_crl</c> and other servers.</summary>
    public string Crl => Path.Combine(Dir, "crl.pem");

    public string CertsDir { get; } = certsDir;

    public string CertPath(string hostname) => Path.Combine(CertsDir, hostname);
}
