using Koi.Certmesh.Crypto;

namespace Koi.Certmesh.Tests.Crypto;

public sealed class PassphraseGeneratorTests
{
    [Fact]
    public void Generate_Default_SixWordsOfAtLeast77Bits()
    {
        var passphrase = PassphraseGenerator.Generate();
        Assert.Equal(6, passphrase.Split('-').Length);
        Assert.True(PassphraseGenerator.EntropyBits() >= 77);
    }

    [Fact]
    public void Word_EveryIndex_Distinct()
    {
        var words = new HashSet<string>();
        for (var i = 0; i < 1 << PassphraseGenerator.BitsPerWord; i++)
        {
            Assert.True(words.Add(PassphraseGenerator.Word(i)));
        }
    }

    [Theory]
    [InlineData("short", false)]
    [InlineData("aaaaaaaaaaaaaaaa", false)]
    [InlineData("a long enough passphrase", true)]
    public void CheckManual_Passphrase_EnforcesMinimum(string passphrase, bool accepted)
    {
        Assert.Equal(accepted, PassphraseGenerator.CheckManual(passphrase) is null);
    }

    [Fact]
    public void EntropyMixer_EmptyOperatorInput_StillRandom()
    {
        var a = new EntropyMixer(null).Next(32, "x");
        var b = new EntropyMixer(null).Next(32, "x");
        Assert.NotEqual(a, b);
    }

    [Fact]
    public void EstimateBits_HeldDownKey_EarnsLittle()
    {
        var held = string.Concat(Enumerable.Range(0, 128).Select(i => $"a:{i * 1000};"));
        var mashed = string.Concat(Enumerable.Range(0, 128).Select(i => $"{(char)('a' + (i * 7 % 26))}:{i * 1000 + (i * i % 97)};"));
        Assert.True(EntropyMixer.EstimateBits(held) < 256);
        Assert.True(EntropyMixer.EstimateBits(mashed) >= 256);
    }
}
