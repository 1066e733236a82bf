using Koi.Certmesh.Roster;

namespace Koi.Certmesh.Revocation;

/// <summary>
/// What compliance must not call healthy: a revoked member whose certificate still works somewhere. It works
/// everywhere while no signed bundle or CRL names it (the CA was locked at the revoke, or the serial is unknown), and
/// it is evidently in use while the machine still reaches the CA after its revocation (last seen later).
/// </summary>
internal static class RevocationCompliance
{
    public static List<string> Warnings(RosterDocument roster, HeldBundle? held, DateTimeOffset now)
    {
        var warnings = new List<string>();
        foreach (var entry in roster.RevocationList)
        {
            var member = roster.Members.FirstOrDefault(m => string.Equals(m.Hostname, entry.Hostname, StringComparison.OrdinalIgnoreCase));
            if (member is null || member.CertExpires <= now)
            {
                continue;
            }

            var until = $"{member.CertExpires.UtcDateTime:yyyy-MM-dd}";
            if (entry.Serials is not { Count: > 0 } serials)
            {
                warnings.Add($"{entry.Hostname} is revoked but its certificate's serial is unknown: no CRL can name it; it stays valid until {until}");
            }
            else if (held is null || !serials.All(held.Revokes))
            {
                warnings.Add($"{entry.Hostname} is revoked but no signed trust bundle or CRL names it yet (CA locked?): every member still admits it; koi certmesh unlock");
            }
            else if (member.LastSeen is { } seen && seen > entry.RevokedAt)
            {
                warnings.Add($"{entry.Hostname} is revoked but still in use: last seen {seen.UtcDateTime:yyyy-MM-dd HH:mm} UTC, after its revocation; its certificate is valid until {until}");
            }
        }

        return warnings;
    }
}
