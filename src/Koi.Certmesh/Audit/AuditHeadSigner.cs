using Koi.Certmesh.Authority;

namespace Koi.Certmesh.Audit;

/// <summary>
/// Signs the audit log's head after an audited change of the CA's state that is not a join or a renewal (those sign
/// it in the same roster write that records them): a revocation, an approval's refusal or a denial, enrollment opened
/// or closed, a TOTP rotation, a policy change, an unlock. The head then names that change's line, so cutting it shows
/// in <c>log --verify</c> and, once the next trust bundle carries the head, on every member (docs/certmesh.md
/// "The audit log"). Refusals and other lines that change nothing stay after the head until the next signing.
/// </summary>
internal sealed partial class AuditHeadSigner(CaContext ca, CaVault vault)
{
    /// <summary>
    /// Runs under the gate, after the change's audit line. While the CA is locked (or held) there is no key to sign
    /// with: the next unlock signs a head that covers the line. A roster that cannot be written leaves the previous
    /// head in place and is shown, not thrown — the change itself already happened and was audited.
    /// </summary>
    public void Sign()
    {
        if (vault.SecretsIfUnlocked is not { } secrets || ca.Roster.Current is not { } roster
            || ca.Audit.SignHead(secrets.CaKey, ca.Now) is not { } head || roster.Metadata.AuditHead is { } held && held.Seq == head.Seq && held.Hash == head.Hash)
        {
            return;
        }

        try
        {
            ca.Roster.Update(r => r is null ? r! : r with { Metadata = r.Metadata with { AuditHead = head } });
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogHeadNotSaved(ca.Logger, head.Seq, ex);
            ca.Health.Failed($"audit head not saved in the roster: {ex.Message}");
        }
    }
}
