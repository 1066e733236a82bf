using System.Security.Cryptography;
using Koi.Certmesh.Health;

namespace Koi.Certmesh.Tests.Health;

public sealed class HealthFactsTests
{
    [Fact]
    public async Task TrustAnchors_BeforeAndAfterCreate_NoneThenTheMeshCa()
    {
        await using var h = new CertmeshHarness();
        var anchors = new CertmeshTrustAnchors(h.Authority);
        Assert.Empty(anchors.Current());

        var created = await h.CreateAsync();

        var ca = Assert.Single(anchors.Current());
        Assert.Equal(created.CaFingerprint, Convert.ToHexStringLower(SHA256.HashData(ca.RawData)));
    }

    [Fact]
    public async Task CertificateFacts_Member_ExpiryFromRosterAndValidChain_UnknownIsNull()
    {
        await using var h = new CertmeshHarness();
        await h.CreateAsync();
        var facts = new CertmeshCertificateFacts(h.Authority);

        var own = facts.Find("STONE-A");

        Assert.NotNull(own);
        Assert.True(own.ChainValid);
        Assert.Equal(h.Authority.Roster.Current!.Members[0].CertExpires, own.NotAfter);
        Assert.Null(facts.Find("stone-z"));
    }
}
