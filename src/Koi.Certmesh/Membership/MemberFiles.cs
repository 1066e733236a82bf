namespace Koi.Certmesh.Membership;

/// <summary>Where a member keeps what it knows of its CA (docs/data-layout.md lists the same).</summary>
internal sealed class MemberFiles(string certmeshDir, string certsDir)
{
    public string Dir => certmeshDir;

    public string Membership => Path.Combine(certmeshDir, "membership.json");

    /// <summary>The member's own tamper-evident log: joins, identity checks that failed, MITM alerts.</summary>
    public string MemberAuditLog => Path.Combine(certmeshDir, "member-audit.log");

    public string MemberAuditKey => Path.Combine(certmeshDir, "member-audit-key.pem");

    public string CertPath(string hostname) => Path.Combine(certsDir, hostname);
}
