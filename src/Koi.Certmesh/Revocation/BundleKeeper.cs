using System.Globalization;
using System.Security.Cryptography;
using Koi.Certmesh.Authority;
using Koi.Certmesh.Roster;
using Microsoft.Extensions.Logging;

namespace Koi.Certmesh.Revocation;

/// <summary>
/// The CA's trust bundle and CRL over the CA's life: loaded (and re-verified) with the roster, signed again whenever
/// they lag the roster while the CA is unlocked — at create, at unlock, after a revocation — and forgotten with the
/// CA. Every method runs under the CA's gate.
/// </summary>
internal sealed partial class BundleKeeper(CaContext ca, CaVault vault, TrustBundlePublisher? publisher)
{
    /// <summary>The bundle this CA signed last; null before the first unlock that published one (or without a publisher).</summary>
    public HeldBundle? Held => publisher?.Store.Held;

    /// <summary>At load: the bundle kept on disk, re-verified under this CA. A bad one is replaced at the next unlock.</summary>
    public void Load(RosterDocument roster)
    {
        try
        {
            publisher?.Store.Load(roster.Metadata.CaFingerprint);
        }
        catch (TrustBundleRejectedException ex)
        {
            LogBundleFailed(ca.Logger, ex.Message);
        }
    }

    /// <summary>
    /// With the CA unlocked: signs a new bundle and CRL when the held ones lag the roster (a revocation, a policy
    /// change) or the CRL is half-way to its next update. A write that fails is shown, never silent.
    /// </summary>
    public void PublishIfDue()
    {
        if (publisher is null || vault.SecretsIfUnlocked is not { } secrets || vault.CaCert is not { } caCert
            || ca.Roster.Current is not { } roster || !publisher.IsDue(roster))
        {
            return;
        }

        try
        {
            var held = publisher.Publish(roster, caCert, secrets.CaKey);
            ca.Audit.Write("trust_bundle_published",
                ("sequence", held.Bundle.Sequence.ToString(CultureInfo.InvariantCulture)),
                ("revoked", held.Bundle.Revoked.Count.ToString(CultureInfo.InvariantCulture)));
            LogBundlePublished(ca.Logger, held.Bundle.Sequence, held.Bundle.Revoked.Count);
            ca.Publish("trust_bundle_published", new TrustBundlePublishedEvent(held.Bundle.Sequence, held.Bundle.Revoked.Count));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException)
        {
            LogBundleFailed(ca.Logger, ex.Message);
            ca.Health.Failed($"trust bundle / CRL not written: {ex.Message}");
        }
    }

    /// <summary>The CA is destroyed: no listener admits anyone on its word any more.</summary>
    public void Clear() => publisher?.Store.Clear();

    [LoggerMessage(EventId = 3040, Level = LogLevel.Information, Message = "certmesh trust bundle {Sequence} published: {Revoked} revoked")]
    private static partial void LogBundlePublished(ILogger logger, long sequence, int revoked);

    [LoggerMessage(EventId = 3041, Level = LogLevel.Error, Message = "certmesh trust bundle not published: {Reason}")]
    private static partial void LogBundleFailed(ILogger logger, string reason);
}
