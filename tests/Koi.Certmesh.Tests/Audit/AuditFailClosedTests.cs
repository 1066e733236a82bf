using Koi.Certmesh.Tests.Enrollment;
using Koi.Core.Errors;

namespace Koi.Certmesh.Tests.Audit;

/// <summary>Nothing is issued that the audit log does not show (docs/security.md "Audit log").</summary>
public sealed class AuditFailClosedTests
{
    [Fact]
    public async Task Join_AuditLogCannotBeWritten_RefusedNoMemberAdded()
    {
        await using var kit = await JoinKit.CreateAsync();
        await kit.Ca.OpenEnrollmentAsync(null, TestContext.Current.CancellationToken);

        // Root ignores file modes, so the log is made unwritable the way a full or broken disk would: by what is there.
        File.Delete(kit.H.Files.AuditLog);
        Directory.CreateDirectory(kit.H.Files.AuditLog);
        var refused = await Assert.ThrowsAsync<KoiException>(() => kit.JoinAsync("stone-b", kit.Code()));

        Assert.Equal(KoiErrorCode.Unavailable, refused.Code);
        Assert.Contains("nothing was issued", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(kit.Roster.Members, m => m.Hostname == "stone-b");
    }
}
