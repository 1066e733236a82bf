using System.Security.Cryptography;
using Koi.Certmesh.Audit;
using Koi.Certmesh.Revocation;
using Koi.Certmesh.Roster;
using Koi.Testing;

namespace Koi.Certmesh.Tests.Revocation;

/// <summary>
/// The CA's signed audit head travels in the trust bundle, and a member keeps the highest it saw: a CA whose log was
/// cut back (and its roster with it) shows to every member (docs/certmesh.md "The audit log").
/// </summary>
public sealed class AuditHeadBundleTests : IDisposable
{
    private readonly RevocationKit _kit = new();
    private readonly TempDirectory _dir = new();

    [Fact]
    public void Publish_RosterWithSignedHead_BundleCarriesItAndVerifies()
    {
        var head = Head(7);
        var held = Publisher().Publish(WithHead(head), _kit.CaCert, _kit.CaKey);

        var bundle = TrustBundleVerifier.Verify(held.Signed, _kit.Fingerprint, heldSequence: null);

        Assert.Equal(head, bundle.AuditHead);
        Assert.True(bundle.AuditHead!.SignedBy(_kit.CaCert));
    }

    [Fact]
    public void Verify_HeadInTheBundleNotSignedByTheCa_RejectedBadAuditHead()
    {
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var forged = AuditHead.Sign(7, new string('a', 64), _kit.Time.GetUtcNow(), other);
        var held = Publisher().Publish(WithHead(forged), _kit.CaCert, _kit.CaKey);

        var ex = Assert.Throws<TrustBundleRejectedException>(() => TrustBundleVerifier.Verify(held.Signed, _kit.Fingerprint, null));

        Assert.Equal("bad_audit_head", ex.Reason);
    }

    [Fact]
    public void IsDue_RosterHeadNewerThanTheBundles_True()
    {
        var publisher = Publisher();
        publisher.Publish(WithHead(Head(3)), _kit.CaCert, _kit.CaKey);

        Assert.False(publisher.IsDue(WithHead(publisher.Store.Held!.Bundle.AuditHead)));
        Assert.True(publisher.IsDue(WithHead(Head(4))));
    }

    [Fact]
    public void Watch_HigherHeads_KeptAcrossInstances()
    {
        var watch = Watch();
        Assert.Null(watch.Observe(Bundle(Head(3))));
        Assert.Null(watch.Observe(Bundle(Head(9))));

        Assert.Equal(9, Watch().Highest!.Seq);
    }

    [Fact]
    public void Watch_LowerHeadSameEpoch_AlarmAndTheHighestStays()
    {
        var watch = Watch();
        watch.Observe(Bundle(Head(9)));

        var alarm = watch.Observe(Bundle(Head(4)));

        Assert.Contains("went back from line 9", alarm, StringComparison.Ordinal);
        Assert.Contains("to line 4", alarm, StringComparison.Ordinal);
        Assert.Equal(9, Watch().Highest!.Seq);
        Assert.NotNull(Watch().Alarm(Bundle(Head(4))));
        Assert.Null(Watch().Alarm(Bundle(Head(10))));
    }

    [Fact]
    public void Watch_SameLineAnotherHash_AlarmRewritten()
    {
        var watch = Watch();
        watch.Observe(Bundle(Head(9)));

        Assert.Contains("changed", watch.Observe(Bundle(Head(9, 'b'))), StringComparison.Ordinal);
    }

    [Fact]
    public void Watch_HeadDisappeared_Alarm()
    {
        var watch = Watch();
        watch.Observe(Bundle(Head(9)));

        Assert.Contains("no audit head", watch.Observe(Bundle(null)), StringComparison.Ordinal);
    }

    [Fact]
    public void Watch_NewEpochOrAnotherCa_StartsANewHistoryWithoutAlarm()
    {
        var watch = Watch();
        watch.Observe(Bundle(Head(9)));

        Assert.Null(watch.Observe(Bundle(Head(2)) with { Epoch = 1 }));
        Assert.Equal(2, watch.Highest!.Seq);
        Assert.Null(watch.Observe(Bundle(Head(1)) with { Epoch = 1, CaFingerprint = new string('0', 64) }));
        Assert.Equal(1, watch.Highest!.Seq);
    }

    public void Dispose()
    {
        _kit.Dispose();
        _dir.Dispose();
    }

    private AuditHead Head(long seq, char hash = 'a') => AuditHead.Sign(seq, new string(hash, 64), _kit.Time.GetUtcNow(), _kit.CaKey);

    private RosterDocument WithHead(AuditHead? head)
    {
        var roster = _kit.Roster();
        return roster with { Metadata = roster.Metadata with { AuditHead = head } };
    }

    private TrustBundle Bundle(AuditHead? head) =>
        new(TrustBundle.CurrentSchemaVersion, 1, _kit.Time.GetUtcNow(), _kit.Fingerprint, "pem", [], WithHead(null).Metadata.Policy, "crl", 0, head);

    private AuditHeadWatch Watch() => new(_dir.Combine(AuditHeadWatch.FileName));

    private TrustBundlePublisher Publisher() =>
        new(new TrustBundleStore(_dir.Combine("trust-bundle.json"), _dir.Combine("crl.pem")), _kit.Time);
}
