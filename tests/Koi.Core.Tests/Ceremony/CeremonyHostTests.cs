using System.Text.Json;
using Koi.Core.Ceremony;
using Koi.Core.Errors;
using Koi.Testing;

namespace Koi.Core.Tests.Ceremony;

public sealed class CeremonyHostTests : IDisposable
{
    private readonly ManualTimeProvider _time = new();
    private readonly CeremonyHost _host;

    public CeremonyHostTests()
    {
        _host = new CeremonyHost([new TwoStepRules()], _time);
    }

    public void Dispose() => _host.Dispose();

    [Fact]
    public async Task ProcessAsync_FirstRequest_StartsSessionWithUuidV7AndAsksFirstPrompt()
    {
        var response = await Start();

        Assert.False(response.Complete);
        Assert.Equal("name", Assert.Single(response.Prompts).Key);
        Assert.Equal(7, Guid.Parse(response.SessionId).Version);
    }

    [Fact]
    public async Task ProcessAsync_DataMergedAcrossRequests_Completes()
    {
        var first = await Start();
        var second = await _host.ProcessAsync(Request(first.SessionId, ("name", "ada")), Ct);
        var third = await _host.ProcessAsync(Request(first.SessionId, ("age", "36")), Ct);

        Assert.Equal("age", Assert.Single(second.Prompts).Key);
        Assert.True(third.Complete);
        Assert.Equal("ada/36", third.Result!["value"]);
        Assert.Equal(0, _host.SessionCount);
    }

    [Fact]
    public async Task ProcessAsync_AllDataUpFront_CompletesInOneRequest()
    {
        var response = await _host.ProcessAsync(Request(null, ("name", "ada"), ("age", "36")), Ct);

        Assert.True(response.Complete);
    }

    [Fact]
    public async Task ProcessAsync_InvalidValue_DropsItAndReasksWithError()
    {
        var response = await _host.ProcessAsync(Request(null, ("name", "ada"), ("age", "old")), Ct);

        Assert.False(response.Complete);
        Assert.Equal("age", Assert.Single(response.Prompts).Key);
        var error = Assert.Single(response.Messages, m => m.Kind == MessageKind.Error);
        Assert.Equal("age", error.Title);
    }

    [Fact]
    public async Task ProcessAsync_FatalResult_ThrowsItsCodeAndEndsSession()
    {
        var first = await Start();

        var ex = await Assert.ThrowsAsync<KoiException>(() => _host.ProcessAsync(Request(first.SessionId, ("name", "root")), Ct));

        Assert.Equal(KoiErrorCode.Forbidden, ex.Code);
        Assert.Equal(0, _host.SessionCount);
    }

    [Fact]
    public async Task ProcessAsync_InternalKeyFromClient_IsRejected()
    {
        var ex = await Assert.ThrowsAsync<KoiException>(() => _host.ProcessAsync(Request(null, ("_approved", "true")), Ct));

        Assert.Equal(KoiErrorCode.InvalidRequest, ex.Code);
    }

    [Fact]
    public async Task ProcessAsync_OneBadKeyAmongGood_ChangesNothing()
    {
        var first = await Start();

        await Assert.ThrowsAsync<KoiException>(() => _host.ProcessAsync(Request(first.SessionId, ("name", "ada"), ("_approved", "true")), Ct));
        var again = await _host.ProcessAsync(Request(first.SessionId), Ct);

        Assert.Equal("name", Assert.Single(again.Prompts).Key);
    }

    [Fact]
    public async Task ProcessAsync_UnknownCeremony_IsCeremonyNotFound()
    {
        var ex = await Assert.ThrowsAsync<KoiException>(() => _host.ProcessAsync(new CeremonyRequest(null, "nope", null), Ct));

        Assert.Equal(KoiErrorCode.CeremonyNotFound, ex.Code);
    }

    [Fact]
    public async Task ProcessAsync_AfterTtl_SessionIsExpired()
    {
        var first = await Start();
        _time.Advance(CeremonyHost.DefaultTtl + TimeSpan.FromSeconds(1));

        var ex = await Assert.ThrowsAsync<KoiException>(() => _host.ProcessAsync(Request(first.SessionId, ("name", "ada")), Ct));

        Assert.Equal(KoiErrorCode.SessionExpired, ex.Code);
    }

    [Fact]
    public async Task ProcessAsync_ActivityWithinTtl_KeepsSessionAlive()
    {
        var first = await Start();
        _time.Advance(TimeSpan.FromMinutes(4));
        await _host.ProcessAsync(Request(first.SessionId, ("name", "ada")), Ct);
        _time.Advance(TimeSpan.FromMinutes(4));

        var done = await _host.ProcessAsync(Request(first.SessionId, ("age", "1")), Ct);

        Assert.True(done.Complete);
    }

    [Fact]
    public async Task SweepTimer_IdleSessionsPastTtl_AreRemovedWithinAMinute()
    {
        await Start();
        await Start();
        Assert.Equal(2, _host.SessionCount);

        _time.Advance(CeremonyHost.DefaultTtl);
        Assert.Equal(2, _host.SessionCount);
        _time.Advance(CeremonyHost.SweepInterval);

        Assert.Equal(0, _host.SessionCount);
    }

    [Fact]
    public void Sweeper_ReportsItsOwnState_RunningThenStoppedOnDispose()
    {
        var health = new Koi.Core.Status.ComponentHealth("core/ceremony_sweeper", _time);

        using (new CeremonyHost([new TwoStepRules()], _time, health: health))
        {
            Assert.Equal(Koi.Core.Status.ComponentState.Running, health.Snapshot.State);
            Assert.Equal("1 ceremonies, sweep every 60s", health.Snapshot.Reason);
            _time.Advance(CeremonyHost.SweepInterval);
            Assert.Equal(Koi.Core.Status.ComponentState.Running, health.Snapshot.State);
        }

        Assert.Equal(Koi.Core.Status.ComponentState.Stopped, health.Snapshot.State);
    }

    [Fact]
    public async Task ProcessAsync_ConcurrentSessions_AreIndependent()
    {
        var results = await Task.WhenAll(Enumerable.Range(0, 50).Select(i =>
            _host.ProcessAsync(Request(null, ("name", $"user{i}"), ("age", i.ToString(System.Globalization.CultureInfo.InvariantCulture))), Ct)));

        Assert.All(results, r => Assert.True(r.Complete));
        Assert.Equal(50, results.Select(r => r.Result!["value"]).Distinct().Count());
        Assert.Equal(50, results.Select(r => r.SessionId).Distinct().Count());
    }

    [Fact]
    public async Task RunToCompletionAsync_MissingInput_NamesEveryMissingKey()
    {
        var ex = await Assert.ThrowsAsync<KoiException>(() =>
            _host.RunToCompletionAsync("two-step", new Dictionary<string, JsonElement>(), Ct));

        Assert.Equal(KoiErrorCode.InvalidRequest, ex.Code);
        Assert.Contains("missing required input: name", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, _host.SessionCount);
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private Task<CeremonyResponse> Start() => _host.ProcessAsync(new CeremonyRequest(null, "two-step", []), Ct);

    private static CeremonyRequest Request(string? session, params (string Key, string Value)[] data) =>
        new(session, "two-step", data.ToDictionary(d => d.Key, d => JsonSerializer.SerializeToElement(d.Value)));

    private sealed class TwoStepRules : ICeremonyRules
    {
        public string Name => "two-step";

        public ValueTask<EvalResult> EvaluateAsync(CeremonyBag bag, CancellationToken cancellationToken)
        {
            if (!bag.Has("name"))
            {
                return Result(EvalResult.Ask([new CeremonyPrompt("name", "Name?", InputType.Text)]));
            }

            if (bag.GetString("name") == "root")
            {
                return Result(EvalResult.Fail(KoiErrorCode.Forbidden, "no"));
            }

            if (!bag.Has("age"))
            {
                return Result(EvalResult.Ask([new CeremonyPrompt("age", "Age?", InputType.Text)]));
            }

            if (!int.TryParse(bag.GetString("age"), out _))
            {
                return Result(EvalResult.Invalid("age", "age must be a number"));
            }

            return Result(EvalResult.Done([], new Dictionary<string, object?> { ["value"] = $"{bag.GetString("name")}/{bag.GetString("age")}" }));
        }

        private static ValueTask<EvalResult> Result(EvalResult result) => ValueTask.FromResult(result);
    }
}
