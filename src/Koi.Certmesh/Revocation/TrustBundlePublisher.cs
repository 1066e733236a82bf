using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Koi.Certmesh.Issuing;
using Koi.Certmesh.Roster;

namespace Koi.Certmesh.Revocation;

/// <summary>
/// The CA's side of the trust bundle: builds the next bundle and CRL from the roster, signs both with the CA key and
/// hands them to the <see cref="TrustBundleStore"/>. Runs under the CA's gate, with the CA unlocked.
/// </summary>
internal sealed class TrustBundlePublisher(TrustBundleStore store, TimeProvider time)
{
    /// <summary>A CRL stays valid this long at least, so a CA left locked for a while does not make nginx refuse everyone.</summary>
    public static readonly TimeSpan MinimumCrlValidity = TimeSpan.FromDays(7);

    /// <summary>
    /// How long a certificate a renewal replaced stays good once the member has shown it holds the new one (its first
    /// heartbeat with it, <see cref="RosterMember.CertSeenAt"/>): time for the reload hook and for anything still
    /// holding the old files to let go. After it the bundle and the CRL list it as superseded (RFC 5280 §5.3.1) until
    /// it expires, and the CA's mesh plane refuses it, so the old key — deleted at the renewal — is worth nothing even
    /// if it leaked before. A member whose renewal answer was lost never shows the new one and keeps the old one good
    /// until it renews again with it.
    /// </summary>
    public static readonly TimeSpan SupersededGrace = TimeSpan.FromHours(1);

    public TrustBundleStore Store => store;

    /// <summary>The epoch bundles are signed under (the CA's, from its HA state); 0 when not wired.</summary>
    public Func<long>? Epoch { get; set; }

    /// <summary>Signs and applies the next bundle (sequence one above the one held).</summary>
    public HeldBundle Publish(RosterDocument roster, X509Certificate2 caCertificate, ECDsa caKey)
    {
        var now = time.GetUtcNow();
        var sequence = (store.Held?.Bundle.Sequence ?? 0) + 1;
        var revoked = Revoked(roster, now);
        var crl = RevocationListSigner.Build(caCertificate, caKey, revoked, sequence, now, now + CrlValidity(roster.Metadata.Policy));
        var bundle = new TrustBundle(
            TrustBundle.CurrentSchemaVersion,
            sequence,
            now,
            CertificateAuthorityFactory.Fingerprint(caCertificate),
            caCertificate.ExportCertificatePem() + "\n",
            revoked,
            roster.Metadata.Policy,
            RevocationListSigner.ToPem(crl),
            Epoch?.Invoke() ?? 0,
            roster.Metadata.AuditHead);
        store.Apply(TrustBundleSigner.Sign(bundle, caKey), bundle);
        return store.Held!;
    }

    /// <summary>
    /// True when the held bundle no longer says what the roster says (a revocation it lacks, another policy, an older
    /// signed audit head), or its CRL is past half its validity: the CA then publishes again as soon as it is unlocked
    /// (at the latest at its next own-certificate tick, so a join's head reaches members within that interval).
    /// </summary>
    public bool IsDue(RosterDocument roster)
    {
        if (store.Held is not { } held)
        {
            return true;
        }

        var wanted = Revoked(roster, time.GetUtcNow()).Select(r => r.Serial).Order(StringComparer.Ordinal);
        var have = held.Bundle.Revoked.Select(r => r.Serial).Order(StringComparer.Ordinal);
        var halfway = held.Bundle.IssuedAt + (CrlValidity(held.Bundle.Policy) / 2);
        return !wanted.SequenceEqual(have, StringComparer.Ordinal) || (Epoch?.Invoke() ?? 0) != held.Bundle.Epoch || held.Bundle.Policy != roster.Metadata.Policy || time.GetUtcNow() >= halfway
            || held.Bundle.AuditHead != roster.Metadata.AuditHead;
    }

    /// <summary>
    /// Every serial the roster revoked, oldest first (an entry without a known serial revokes no certificate), then
    /// the still-valid certificates renewals replaced more than <see cref="SupersededGrace"/> ago.
    /// </summary>
    public static List<RevokedCertificate> Revoked(RosterDocument roster, DateTimeOffset now)
    {
        var revoked = new List<RevokedCertificate>();
        var listed = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var entry in roster.RevocationList)
        {
            foreach (var serial in entry.Serials ?? [])
            {
                if (listed.Add(serial))
                {
                    revoked.Add(new RevokedCertificate(serial, entry.Hostname, entry.RevokedAt));
                }
            }
        }

        foreach (var member in roster.Members)
        {
            foreach (var old in member.Superseded ?? [])
            {
                if (RetiredAt(member, old, now) is { } at && listed.Add(old.Serial))
                {
                    revoked.Add(new RevokedCertificate(old.Serial, member.Hostname, at, RevokedCertificate.SupersededReason));
                }
            }
        }

        return revoked;
    }

    /// <summary>
    /// When <paramref name="old"/>, replaced by a renewal of <paramref name="member"/>, stopped being good: the grace
    /// after the member first presented a newer certificate; null while it is still good (or has expired anyway).
    /// </summary>
    public static DateTimeOffset? RetiredAt(RosterMember member, SupersededCertificate old, DateTimeOffset now)
    {
        if (old.NotAfter <= now || member.CertSeenAt is not { } seen)
        {
            return null;
        }

        var at = (seen > old.SupersededAt ? seen : old.SupersededAt) + SupersededGrace;
        return now >= at ? at : null;
    }

    /// <summary>Twice the certificate lifetime, at least <see cref="MinimumCrlValidity"/>.</summary>
    public static TimeSpan CrlValidity(CertPolicy policy)
    {
        var twice = TimeSpan.FromDays(policy.LifetimeDays * 2);
        return twice > MinimumCrlValidity ? twice : MinimumCrlValidity;
    }
}
