using System.Text;
using FsCheck;
using FsCheck.Fluent;

namespace Koi.Dns.Protocol.Tests;

public class DnsNameTests
{
    [Fact]
    public void Parse_InstanceNameWithSpace_KeepsSpaceInFirstLabel()
    {
        var name = DnsName.Parse("My App._http._tcp.local");

        Assert.Equal(4, name.LabelCount);
        Assert.Equal("My App"u8.ToArray(), name.GetLabel(0).ToArray());
        Assert.Equal("My App._http._tcp.local", name.ToString());
    }

    [Fact]
    public void Parse_EscapedDot_StaysInsideLabel()
    {
        var name = DnsName.Parse(@"v1\.2 printer._ipp._tcp.local");

        Assert.Equal(4, name.LabelCount);
        Assert.Equal("v1.2 printer"u8.ToArray(), name.GetLabel(0).ToArray());
        Assert.Equal(@"v1\.2 printer._ipp._tcp.local", name.ToString());
    }

    [Fact]
    public void Parse_EscapedDotAtEnd_BelongsToLastLabel()
    {
        var name = DnsName.Parse(@"local.v1\.");

        Assert.Equal(2, name.LabelCount);
        Assert.Equal("v1."u8.ToArray(), name.GetLabel(1).ToArray());
    }

    [Fact]
    public void Prepend_LabelWithDotAndBackslash_IsOneLabelEscapedInText()
    {
        var name = DnsName.Parse("_http._tcp.local").Prepend(@"a.b\c");

        Assert.Equal(4, name.LabelCount);
        Assert.Equal(@"a\.b\\c._http._tcp.local", name.ToString());
        Assert.Equal(name, DnsName.Parse(name.ToString()));
    }

    [Fact]
    public void ToString_ControlAndInvalidUtf8Bytes_UsesDecimalEscapes()
    {
        var name = DnsName.Root.Prepend([0x00, (byte)'a', 0xFF, 0x7F]);

        Assert.Equal(@"\000a\255\127", name.ToString());
    }

    [Fact]
    public void ToString_Utf8Label_ShowsCharacters()
    {
        var name = DnsName.Parse("Café._http._tcp.local");

        Assert.Equal(Encoding.UTF8.GetBytes("Café"), name.GetLabel(0).ToArray());
        Assert.Equal("Café._http._tcp.local", name.ToString());
    }

    [Fact]
    public void Parse_DecimalEscape_GivesThatByte()
    {
        var name = DnsName.Parse(@"a\032b.local");

        Assert.Equal("a b"u8.ToArray(), name.GetLabel(0).ToArray());
    }

    [Theory]
    [InlineData("")]
    [InlineData(".")]
    public void Parse_RootSpellings_GiveRoot(string text)
    {
        var name = DnsName.Parse(text);

        Assert.True(name.IsRoot);
        Assert.Same(DnsName.Root, name);
        Assert.Equal(".", name.ToString());
        Assert.Equal(1, name.WireLength);
    }

    [Fact]
    public void Parse_TrailingDot_SameNameAsWithout()
    {
        Assert.Equal(DnsName.Parse("host.local"), DnsName.Parse("host.local."));
        Assert.Equal("host.local", DnsName.Parse("host.local.").ToString());
    }

    [Theory]
    [InlineData("a..b")]
    [InlineData(".a")]
    [InlineData("a..")]
    [InlineData(@"a\")]
    [InlineData(@"a\256.local")]
    public void Parse_Malformed_ThrowsFormatException(string text)
    {
        Assert.Throws<FormatException>(() => DnsName.Parse(text));
        Assert.False(DnsName.TryParse(text, out _));
    }

    [Fact]
    public void Parse_Label63Bytes_Succeeds()
    {
        var name = DnsName.Parse(new string('a', 63) + ".local");

        Assert.Equal(63, name.GetLabel(0).Length);
    }

    [Fact]
    public void Parse_Label64Bytes_Throws()
    {
        var exception = Assert.Throws<FormatException>(() => DnsName.Parse(new string('a', 64) + ".local"));

        Assert.Contains("63", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_Name255Bytes_Succeeds()
    {
        // 3 × (1 + 63) + (1 + 61) + 1 = 255
        var text = string.Join('.', new string('a', 63), new string('b', 63), new string('c', 63), new string('d', 61));

        Assert.Equal(DnsName.MaxLength, DnsName.Parse(text).WireLength);
    }

    [Fact]
    public void Parse_Name256Bytes_Throws()
    {
        var text = string.Join('.', new string('a', 63), new string('b', 63), new string('c', 63), new string('d', 62));

        var exception = Assert.Throws<FormatException>(() => DnsName.Parse(text));

        Assert.Contains("255", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Prepend_Label64Bytes_Throws()
    {
        Assert.Throws<ArgumentException>(() => DnsName.Root.Prepend(new byte[64]));
    }

    [Fact]
    public void Prepend_PastMaxLength_Throws()
    {
        var name = DnsName.Parse(string.Join('.', new string('a', 63), new string('b', 63), new string('c', 63)));

        Assert.Throws<ArgumentException>(() => name.Prepend(new string('d', 62)));
        Assert.Equal(DnsName.MaxLength, name.Prepend(new string('d', 61)).WireLength);
    }

    [Fact]
    public void Equals_DifferentAsciiCase_EqualWithSameHashCode()
    {
        var lower = DnsName.Parse("my app._http._tcp.local");
        var mixed = DnsName.Parse("My App._HTTP._Tcp.LOCAL");

        Assert.Equal(lower, mixed);
        Assert.True(lower == mixed);
        Assert.Equal(lower.GetHashCode(), mixed.GetHashCode());
    }

    [Fact]
    public void HashOfWire_EveryByteValueInEveryPosition_FoldsOnlyAsciiLetters()
    {
        // The hash folds eight bytes at a time and the rest one by one: a 13-byte label covers both.
        var comparer = DnsNameComparer.IgnoreCase;
        for (var position = 1; position <= 13; position++)
        {
            for (var value = 0; value < 256; value++)
            {
                var wire = Label(position, (byte)value);
                var other = Label(position, (byte)(value ^ 0x20));
                var letter = value is >= 'A' and <= 'Z' or >= 'a' and <= 'z';

                Assert.Equal(letter, comparer.GetHashCode(wire) == comparer.GetHashCode(other));
            }
        }

        static byte[] Label(int position, byte value)
        {
            var wire = new byte[15];
            wire[0] = 13;
            wire.AsSpan(1, 13).Fill((byte)'k');
            wire[position] = value;
            return wire;
        }
    }

    [Fact]
    public void Equals_NonAsciiCaseDifference_NotEqual()
    {
        Assert.NotEqual(DnsName.Parse("Émile.local"), DnsName.Parse("émile.local"));
    }

    [Fact]
    public void Equals_DifferentLabelBoundaries_NotEqual()
    {
        Assert.NotEqual(DnsName.Parse(@"a\.b.local"), DnsName.Parse("a.b.local"));
    }

    [Fact]
    public void IsSubdomainOf_DescendantInOtherCase_True()
    {
        var local = DnsName.Parse("LOCAL");

        Assert.True(DnsName.Parse("host.local").IsSubdomainOf(local));
        Assert.True(local.IsSubdomainOf(local));
        Assert.True(local.IsSubdomainOf(DnsName.Root));
        Assert.False(DnsName.Parse("host.notlocal").IsSubdomainOf(local));
        Assert.False(local.IsSubdomainOf(DnsName.Parse("host.local")));
    }

    [Fact]
    public void Parent_OfInstanceName_IsServiceType()
    {
        var name = DnsName.Parse("My App._http._tcp.local");

        Assert.Equal(DnsName.Parse("_http._tcp.local"), name.Parent);
        Assert.Throws<InvalidOperationException>(() => DnsName.Root.Parent);
    }

    [Fact]
    public void ParseToString_AnyName_RoundTripsExactBytes()
    {
        var property = Prop.ForAll(DnsGenerators.Name.ToArbitrary(), name =>
        {
            var reparsed = DnsName.Parse(name.ToString());
            Assert.Equal(name.Wire.ToArray(), reparsed.Wire.ToArray());
        });
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(1000), property);
    }
}
