using Koi.Core.Trust;

namespace Koi.Core.Tests.Trust;

public sealed class SerialSetTests
{
    [Fact]
    public void Contains_SameSerialWithOrWithoutLeadingZero_Found()
    {
        var set = SerialSet.FromHex(["80aa01", "0b0b"]);

        Assert.True(set.Contains([0x80, 0xaa, 0x01]));
        Assert.True(set.Contains([0x00, 0x80, 0xaa, 0x01]));
        Assert.True(set.Contains([0x0b, 0x0b]));
        Assert.False(set.Contains([0x0b, 0x0c]));
        Assert.False(set.Contains([]));
        Assert.Equal(2, set.Count);
    }

    [Fact]
    public void Contains_Lookup_AllocatesNothingPerLookup()
    {
        var set = SerialSet.FromHex([.. Enumerable.Range(0, 1000).Select(i => $"7f{i:x6}")]);
        ReadOnlySpan<byte> probe = [0x7f, 0x00, 0x01, 0xf3];
        set.Contains(probe);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var found = 0;
        for (var i = 0; i < 10_000; i++)
        {
            found += set.Contains(probe) ? 1 : 0;
        }

        // The JIT may allocate a few hundred bytes once while it re-compiles the loop; one allocation per lookup
        // would be at least 24 bytes × 10,000.
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(10_000, found);
        Assert.True(allocated < 2_000, $"{allocated} bytes for 10,000 lookups");
    }
}
