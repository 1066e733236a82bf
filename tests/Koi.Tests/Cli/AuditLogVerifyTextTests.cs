using System.Text.Json;
using Koi.Cli.Commands.Certmesh;

namespace Koi.Tests.Cli;

/// <summary>What <c>koi certmesh log --verify</c> says about the CA-signed head (docs/certmesh.md "The audit log").</summary>
public sealed class AuditLogVerifyTextTests
{
    [Fact]
    public void SignedHeadLine_LinesAfterTheHead_NamesThemUnsigned()
    {
        var text = CertmeshReadCommands.SignedHeadLine(Parse("""{"valid":true,"lines":12,"signed_through":9,"head_signed_at":"2026-12-06T08:00:00+00:00","unsigned_lines":3}"""));

        Assert.Equal("head signed by the CA at 2026-12-06T08:00:00+00:00: covers lines 1-9; lines 10-12 were written after it (unsigned: not yet under the CA's signature)", text);
    }

    [Fact]
    public void SignedHeadLine_HeadAtTheLastLine_CoversAll()
    {
        Assert.Contains("covers all 9 lines", CertmeshReadCommands.SignedHeadLine(Parse("""{"valid":true,"lines":9,"signed_through":9,"unsigned_lines":0}""")), StringComparison.Ordinal);
    }

    [Fact]
    public void SignedHeadLine_NoHeadYet_SaysEveryLineRestsOnTheAuditKey()
    {
        Assert.Contains("no CA-signed head yet", CertmeshReadCommands.SignedHeadLine(Parse("""{"valid":true,"lines":4}""")), StringComparison.Ordinal);
    }

    private static JsonElement Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}
