using System.Text.RegularExpressions;

namespace Koi.Tests.Architecture;

/// <summary>
/// "Loopback", "link-local", "private" and "transient socket error" have one definition, in Koi.Core.Net
/// (docs/security.md). A second copy drifts: before this rule three copies disagreed on link-local and loopback.
/// </summary>
public sealed partial class SharedNetDefinitionTests
{
    private static readonly string Home = Path.Combine("src", "Koi.Core", "Net");

    [Fact]
    public void Sources_OutsideKoiCoreNet_ClassifyNoAddressRangeThemselves()
    {
        var offenders = Scan(AddressRangeCode());

        Assert.Empty(offenders);
    }

    [Fact]
    public void Sources_OutsideKoiCoreNet_ListNoTransientSocketErrorsThemselves()
    {
        // A list of "go on" errors names a reset together with an oversize datagram or an interrupted call.
        var offenders = Scan(TransientListCode());

        Assert.Empty(offenders);
    }

    [Fact]
    public void Checker_FindsTheDefinitionsInTheirHome()
    {
        // Guards the rule itself: the patterns must match the code they forbid elsewhere.
        var home = Directory.GetFiles(RepoPaths.Combine(Home), "*.cs").Select(File.ReadAllText).ToList();

        Assert.Contains(home, text => AddressRangeCode().IsMatch(text));
        Assert.Contains(home, text => TransientListCode().IsMatch(text));
    }

    private static List<string> Scan(Regex pattern)
    {
        var src = RepoPaths.Combine("src");
        return Directory.GetFiles(src, "*.cs", SearchOption.AllDirectories)
            .Where(path => !path.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                           && !path.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                           && !Path.GetRelativePath(RepoPaths.Combine(), path).StartsWith(Home, StringComparison.Ordinal))
            .Where(path => pattern.IsMatch(File.ReadAllText(path)))
            .Select(path => Path.GetRelativePath(src, path))
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    // IPAddress.IsLoopback / IsIPv6LinkLocal calls, CIDR literals of the private ranges, or shifted range constants.
    [GeneratedRegex(@"IPAddress\.IsLoopback\(|\.IsIPv6LinkLocal\b|""(10\.0\.0\.0/8|172\.16\.0\.0/12|192\.168\.0\.0/16|100\.64\.0\.0/10|fc00::/7|fe80::/10|169\.254\.0\.0/16)""|\(172u << 4\)|0xFE80UL|== 169 &&")]
    private static partial Regex AddressRangeCode();

    [GeneratedRegex(@"SocketError\.ConnectionReset or[\s\S]{0,200}SocketError\.(MessageSize|Interrupted)")]
    private static partial Regex TransientListCode();
}
