using Koi.Core.Errors;
using Koi.Testing;

namespace Koi.Core.Tests.Errors;

public sealed class KoiErrorStatusTests
{
    [Theory]
    [InlineData("invalid_request", 400)]
    [InlineData("unauthorized", 401)]
    [InlineData("invalid_totp", 401)]
    [InlineData("forbidden", 403)]
    [InlineData("enrollment_closed", 403)]
    [InlineData("not_found", 404)]
    [InlineData("method_not_allowed", 405)]
    [InlineData("conflict", 409)]
    [InlineData("payload_too_large", 413)]
    [InlineData("unsupported_media_type", 415)]
    [InlineData("rate_limited", 429)]
    [InlineData("internal", 500)]
    [InlineData("unavailable", 503)]
    [InlineData("ca_not_initialized", 503)]
    [InlineData("ca_locked", 503)]
    [InlineData("storage_unavailable", 503)]
    public void For_KnownCode_ReturnsDocumentedStatus(string code, int status) =>
        Assert.Equal(status, KoiErrorStatus.For(code));

    [Fact]
    public void For_UnknownCode_IsInternal() => Assert.Equal(500, KoiErrorStatus.For("made_up"));

    [Fact]
    public void Table_EveryDeclaredCode_HasAStatus()
    {
        var declared = typeof(KoiErrorCode).GetFields().Select(f => (string)f.GetValue(null)!);

        Assert.All(declared, code => Assert.True(KoiErrorStatus.Table.ContainsKey(code), code));
    }

    [Fact]
    public void DocsApiTable_ListsEveryCodeWithItsStatus()
    {
        var docs = File.ReadAllText(RepoPaths.Combine("docs", "api.md"));

        Assert.All(KoiErrorStatus.Table, pair => Assert.Contains($"| `{pair.Key}` | {pair.Value} |", docs, StringComparison.Ordinal));
    }
}
