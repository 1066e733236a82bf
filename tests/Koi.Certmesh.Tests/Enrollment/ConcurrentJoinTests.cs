using System.Net;
using Koi.Certmesh.Roster;
using Koi.Core.Errors;

namespace Koi.Certmesh.Tests.Enrollment;

public sealed class ConcurrentJoinTests
{
    [Fact]
    public async Task Join_FiftyAtOnceMixedCodes_EachAnsweredCorrectlyNone500()
    {
        await using var kit = await JoinKit.CreateAsync();
        var replayed = kit.Code(-1);
        Assert.NotNull((await kit.JoinAsync("stone-pre", replayed)).Issued);
        var wrong = kit.WrongCode();
        var current = kit.Code();
        var next = kit.Code(1);

        // Kind by i % 4: wrong code, this step's code, the next step's code, an already used code. Every request has
        // its own source and hostname, so no lockout or conflict hides a code's own answer.
        var tasks = Enumerable.Range(0, 50).Select(i => Task.Run(async () =>
        {
            var code = (i % 4) switch { 0 => wrong, 1 => current, 2 => next, _ => replayed };
            try
            {
                var outcome = await kit.Ca.JoinAsync(JoinKit.Request($"stone-{i}", code), IPAddress.Parse($"10.77.4.{i + 1}"), CancellationToken.None);
                return (i, Status: 200, Message: outcome.Issued!.Hostname);
            }
            catch (KoiException ex)
            {
                return (i, Status: ex.HttpStatus, ex.Message);
            }
        })).ToList();
        var answers = await Task.WhenAll(tasks);

        Assert.All(answers, a => Assert.NotEqual(500, a.Status));
        Assert.All(answers.Where(a => a.i % 4 == 0), a => Assert.Equal((401, false), (a.Status, a.Message.Contains("already used", StringComparison.Ordinal))));
        Assert.All(answers.Where(a => a.i % 4 == 3), a => Assert.Equal((401, true), (a.Status, a.Message.Contains("already used", StringComparison.Ordinal))));
        foreach (var kind in new[] { 1, 2 })
        {
            var group = answers.Where(a => a.i % 4 == kind).ToList();
            var winner = Assert.Single(group, a => a.Status == 200);
            Assert.All(group.Where(a => a != winner), a => Assert.Equal((401, true), (a.Status, a.Message.Contains("already used", StringComparison.Ordinal))));
        }

        var joined = kit.Roster.Members.Where(m => m.Role == MemberRole.Member).Select(m => m.Hostname).Order().ToList();
        Assert.Equal(3, joined.Count);
        Assert.Equal(answers.Where(a => a.Status == 200).Select(a => a.Message).Append("stone-pre").Order(), joined);
        Assert.Equal(EnrollmentState.Open, kit.Roster.Metadata.EnrollmentState);
        Assert.Equal(13, kit.AuditLines().Count(l => l.Contains("reason=invalid_totp", StringComparison.Ordinal)));
        Assert.True(kit.Ca.Log(null, verify: true).Verification!.Valid);
    }
}
