using System.Text.Json;
using Koi.Certmesh.Ceremonies;
using Koi.Certmesh.Crypto;
using Koi.Core.Ceremony;
using Koi.Core.Errors;

namespace Koi.Certmesh.Tests.Ceremonies;

public sealed class InitCeremonyTests
{
    [Fact]
    public async Task Init_AllAnswersUpFront_CreatesAndReturnsResult()
    {
        await using var h = new CertmeshHarness();
        using var host = new CeremonyHost([new InitCeremony(h.Authority), new UnlockCeremony(h.Authority)], h.Time);
        var first = await host.ProcessAsync(Request(null, ("profile", "just-me"), ("passphrase", CertmeshHarness.Passphrase), ("entropy", "")), CancellationToken.None);

        // TOTP setup: QR shown, code optional for non-interactive callers.
        var qr = Assert.Single(first.Messages, m => m.Kind == MessageKind.QrCode);
        Assert.StartsWith("otpauth://totp/", qr.Content);
        Assert.Equal("totp_code", Assert.Single(first.Prompts).Key);

        var code = Totp.Code(Base32.Decode(qr.Content.Split("secret=")[1].Split('&')[0]), h.Time.GetUtcNow());
        var done = await host.ProcessAsync(Request(first.SessionId, ("totp_code", code)), CancellationToken.None);
        Assert.True(done.Complete);
        Assert.Equal(qr.Content, done.Result!["totp_uri"]);
        Assert.Equal(true, done.Result["totp_confirmed"]);
        Assert.True(h.Authority.Initialized);
        Assert.DoesNotContain(done.Messages, m => m.Content.Contains(CertmeshHarness.Passphrase, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Init_WrongTotpCode_AskedAgain()
    {
        await using var h = new CertmeshHarness();
        using var host = new CeremonyHost([new InitCeremony(h.Authority)], h.Time);
        var first = await host.ProcessAsync(Request(null, ("profile", "just-me"), ("passphrase", CertmeshHarness.Passphrase), ("entropy", "")), CancellationToken.None);
        var again = await host.ProcessAsync(Request(first.SessionId, ("totp_code", "000000")), CancellationToken.None);
        Assert.False(again.Complete);
        Assert.Contains(again.Messages, m => m.Kind == MessageKind.Error && m.Title == "totp_code");
        Assert.False(h.Authority.Initialized);
    }

    [Fact]
    public async Task Init_FromEmpty_AsksProfileThenPassphraseWithSixWordProposal()
    {
        await using var h = new CertmeshHarness();
        using var host = new CeremonyHost([new InitCeremony(h.Authority)], h.Time);
        var first = await host.ProcessAsync(Request(null), CancellationToken.None);
        Assert.Equal("profile", first.Prompts.Single().Key);
        Assert.Null(first.Prompts.Single().Default);

        var second = await host.ProcessAsync(Request(first.SessionId, ("profile", "organization")), CancellationToken.None);
        Assert.Equal("operator", second.Prompts.Single().Key);
        var third = await host.ProcessAsync(Request(first.SessionId, ("operator", "Maria"), ("domain", "lab.test"), ("subnet", "10.77.0.0/24"), ("entropy", "")), CancellationToken.None);
        Assert.Equal("passphrase", third.Prompts.Single().Key);
        Assert.Equal(InputType.SecretConfirm, third.Prompts.Single().InputType);
        var proposal = third.Messages.Single(m => m.Title == "Proposed passphrase").Content.Split(' ')[0];
        Assert.Equal(6, proposal.Split('-').Length);

        var weak = await host.ProcessAsync(Request(first.SessionId, ("passphrase", "short")), CancellationToken.None);
        Assert.Contains(weak.Messages, m => m.Kind == MessageKind.Error && m.Title == "passphrase");
        var accepted = await host.ProcessAsync(Request(first.SessionId, ("passphrase", proposal)), CancellationToken.None);
        Assert.Equal("totp_code", accepted.Prompts.Single().Key);
    }

    [Fact]
    public async Task Init_MissingPassphraseNonInteractive_ErrorNamesIt()
    {
        await using var h = new CertmeshHarness();
        using var host = new CeremonyHost([new InitCeremony(h.Authority)], h.Time);
        var ex = await Assert.ThrowsAsync<KoiException>(() => host.RunToCompletionAsync("init", Data(("profile", "just-me"), ("entropy", "")), CancellationToken.None));
        Assert.Contains("passphrase", ex.Message, StringComparison.Ordinal);
        Assert.False(h.Authority.Initialized);
    }

    [Fact]
    public async Task Init_ShortMashing_AsksForMoreEntropy()
    {
        await using var h = new CertmeshHarness();
        using var host = new CeremonyHost([new InitCeremony(h.Authority)], h.Time);
        var first = await host.ProcessAsync(Request(null, ("profile", "just-me"), ("entropy", "a:1;a:2;a:3;")), CancellationToken.None);
        Assert.Equal("entropy", first.Prompts.Single().Key);
        Assert.Contains(first.Messages, m => m.Title == "Entropy");
    }

    [Fact]
    public async Task Unlock_WrongThenRight_401ThenUnlocked()
    {
        await using var h = new CertmeshHarness();
        await h.CreateAsync();
        await h.RestartAsync();
        using var host = new CeremonyHost([new UnlockCeremony(h.Authority)], h.Time);
        var ex = await Assert.ThrowsAsync<KoiException>(() => host.RunToCompletionAsync("unlock", Data(("passphrase", "wrong passphrase!")), CancellationToken.None));
        Assert.Equal(401, ex.HttpStatus);
        var done = await host.RunToCompletionAsync("unlock", Data(("passphrase", CertmeshHarness.Passphrase)), CancellationToken.None);
        Assert.True(done.Complete);
        Assert.False(h.Authority.Locked);
    }

    private static CeremonyRequest Request(string? session, params (string Key, string Value)[] data) =>
        new(session, "init", Data(data));

    private static Dictionary<string, JsonElement> Data(params (string Key, string Value)[] data) =>
        data.ToDictionary(d => d.Key, d => JsonSerializer.SerializeToElement(d.Value));
}
