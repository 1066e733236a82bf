using Koi.Certmesh.Membership;
using Koi.Core.Errors;

namespace Koi.Certmesh.Tests.Membership;

public sealed class ReloadHookTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void Parse_QuotedArgument_OneArgvEntryNoShell()
    {
        Assert.Equal(["systemctl", "reload", "nginx"], ReloadHook.Parse("systemctl reload nginx"));
        Assert.Equal(["touch", "/tmp/a b"], ReloadHook.Parse("touch \"/tmp/a b\""));
        Assert.Equal(["echo", "$HOME;", "rm", "-rf"], ReloadHook.Parse("echo $HOME; rm -rf"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("touch \"unclosed")]
    [InlineData("line\nbreak")]
    public void Parse_Unusable_InvalidRequest(string command)
    {
        Assert.Equal(KoiErrorCode.InvalidRequest, Assert.Throws<KoiException>(() => ReloadHook.Parse(command)).Code);
    }

    [Fact]
    public async Task Run_ShellSyntax_NotInterpretedByAShell()
    {
        using var dir = new Koi.Testing.TempDirectory();
        var marker = dir.Combine("pwned");

        var problem = await ReloadHook.RunAsync($"true; touch {marker}", TimeSpan.FromSeconds(10), Ct);

        Assert.NotNull(problem);
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public async Task Run_Hangs_KilledAfterTheTimeout()
    {
        var started = DateTime.UtcNow;

        var problem = await ReloadHook.RunAsync("sleep 30", TimeSpan.FromMilliseconds(300), Ct);

        Assert.Contains("did not finish", problem, StringComparison.Ordinal);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Run_NonZeroExit_ExitCodeReported()
    {
        Assert.Contains("exited 1", await ReloadHook.RunAsync("false", TimeSpan.FromSeconds(10), Ct), StringComparison.Ordinal);
        Assert.Null(await ReloadHook.RunAsync("true", TimeSpan.FromSeconds(10), Ct));
    }
}
