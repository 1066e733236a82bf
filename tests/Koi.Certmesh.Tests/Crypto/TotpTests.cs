using System.Text;
using Koi.Certmesh.Crypto;

namespace Koi.Certmesh.Tests.Crypto;

public sealed class TotpTests
{
    // RFC 6238 Appendix B, SHA-1 column (8 digits).
    [Theory]
    [InlineData(59L, "94287082")]
    [InlineData(1111111109L, "07081804")]
    [InlineData(1111111111L, "14050471")]
    [InlineData(1234567890L, "89005924")]
    [InlineData(2000000000L, "69279037")]
    [InlineData(20000000000L, "65353130")]
    public void Code_Rfc6238Vector_Matches(long unixSeconds, string expected)
    {
        var secret = Encoding.ASCII.GetBytes("12345678901234567890");
        Assert.Equal(expected, Totp.Code(secret, DateTimeOffset.FromUnixTimeSeconds(unixSeconds), digits: 8));
        Assert.Equal(expected[2..], Totp.Code(secret, DateTimeOffset.FromUnixTimeSeconds(unixSeconds)));
    }

    [Fact]
    public void Code_RandomSecrets_AgreeWithOathtool()
    {
        Assert.True(Tool.Exists("oathtool"), "oathtool must be installed (scripts/install-test-deps.sh)");
        var random = new Random(6238);
        for (var i = 0; i < 8; i++)
        {
            var secret = new byte[Totp.SecretBytes];
            random.NextBytes(secret);
            var at = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000L + random.Next(0, 100_000_000));
            var (exit, stdout, stderr) = Tool.Run("oathtool", "--totp", "-b", Base32.Encode(secret), "-N", $"@{at.ToUnixTimeSeconds()}");
            Assert.True(exit == 0, stderr);
            Assert.Equal(stdout.Trim(), Totp.Code(secret, at));
        }
    }

    [Fact]
    public void Verify_AdjacentStep_AcceptedButNotTwoStepsAway()
    {
        var secret = new byte[20];
        var now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
        Assert.True(Totp.Verify(secret, Totp.Code(secret, now.AddSeconds(-30)), now));
        Assert.True(Totp.Verify(secret, Totp.Code(secret, now.AddSeconds(30)), now));
        Assert.False(Totp.Verify(secret, Totp.Code(secret, now.AddSeconds(-90)), now));
    }

    [Theory]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("12345")]
    [InlineData("1234567")]
    [InlineData("abcdef")]
    public void Verify_MalformedCode_Rejected(string? code)
    {
        Assert.False(Totp.Verify(new byte[20], code, DateTimeOffset.FromUnixTimeSeconds(1_800_000_000)));
    }

    [Fact]
    public void Uri_Secret_IsOtpauthWithBase32Secret()
    {
        var secret = Encoding.ASCII.GetBytes("12345678901234567890");
        var uri = Totp.Uri(secret, "koi certmesh", "stone-a");
        Assert.StartsWith("otpauth://totp/koi%20certmesh%3Astone-a?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&", uri);
        Assert.Contains("digits=6", uri);
        Assert.Contains("period=30", uri);
    }

    [Fact]
    public void Base32_RoundTrip_Identity()
    {
        var random = new Random(4648);
        for (var length = 0; length < 40; length++)
        {
            var data = new byte[length];
            random.NextBytes(data);
            Assert.Equal(data, Base32.Decode(Base32.Encode(data)));
        }
    }
}
