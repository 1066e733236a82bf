using System.Net;
using System.Net.Http.Json;
using System.Text;
using Koi.Core.Errors;
using Microsoft.AspNetCore.Builder;

namespace Koi.Tests.Api;

public sealed class ErrorMappingTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string> Codes() => [.. KoiErrorStatus.Table.Keys];

    [Theory]
    [MemberData(nameof(Codes))]
    public async Task KoiException_EveryCode_AnswersTableStatusWithErrorBody(string code)
    {
        await using var daemon = await TestDaemon.StartAsync(mapExtra: app =>
            app.MapGet("/test/throw/{code}", string (string code) => throw new KoiException(code, $"failed with {code}")));

        var response = await daemon.Client().GetAsync($"/test/throw/{code}", Ct);

        Assert.Equal(KoiErrorStatus.Table[code], (int)response.StatusCode);
        Assert.Equal("application/json; charset=utf-8", response.Content.Headers.ContentType!.ToString());
        Assert.Equal(new ErrorBody(code, $"failed with {code}"), await response.Content.ReadFromJsonAsync<ErrorBody>(Ct));
    }

    [Fact]
    public async Task RateLimited_WithRetryAfter_SetsHeader()
    {
        await using var daemon = await TestDaemon.StartAsync(mapExtra: app =>
            app.MapGet("/test/slow-down", string () => throw new KoiException(KoiErrorCode.RateLimited, "slow down") { RetryAfterSeconds = 30 }));

        var response = await daemon.Client().GetAsync("/test/slow-down", Ct);

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal("30", response.Headers.GetValues("Retry-After").Single());
    }

    [Fact]
    public async Task UnhandledException_Internal500WithoutDetails()
    {
        await using var daemon = await TestDaemon.StartAsync(mapExtra: app =>
            app.MapGet("/test/bug", string () => throw new InvalidOperationException("secret internals")));

        var response = await daemon.Client().GetAsync("/test/bug", Ct);
        var body = await response.Content.ReadFromJsonAsync<ErrorBody>(Ct);

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("internal", body!.Error);
        Assert.DoesNotContain("secret", body.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MalformedJson_BadRequest()
    {
        await using var daemon = await TestDaemon.StartAsync();

        var response = await daemon.Client().PostAsync("/v1/ceremony", Json("{\"ceremony\": "), Ct);
        var body = await response.Content.ReadFromJsonAsync<ErrorBody>(Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_request", body!.Error);
        Assert.Contains("malformed JSON", body.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WrongContentType_UnsupportedMediaType()
    {
        await using var daemon = await TestDaemon.StartAsync();

        var response = await daemon.Client().PostAsync("/v1/ceremony", new StringContent("{}", Encoding.UTF8, "text/plain"), Ct);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal("unsupported_media_type", (await response.Content.ReadFromJsonAsync<ErrorBody>(Ct))!.Error);
    }

    [Fact]
    public async Task OversizedBody_PayloadTooLarge()
    {
        await using var daemon = await TestDaemon.StartAsync();
        var huge = "{\"ceremony\":\"demo\",\"data\":{\"name\":\"" + new string('x', 2 * 1024 * 1024) + "\"}}";

        var response = await daemon.Client().PostAsync("/v1/ceremony", Json(huge), Ct);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("payload_too_large", (await response.Content.ReadFromJsonAsync<ErrorBody>(Ct))!.Error);
    }

    [Fact]
    public async Task UnknownRoute_NotFoundJson()
    {
        await using var daemon = await TestDaemon.StartAsync();

        var response = await daemon.Client().GetAsync("/v1/nothing-here", Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("not_found", (await response.Content.ReadFromJsonAsync<ErrorBody>(Ct))!.Error);
    }

    [Fact]
    public async Task WrongMethod_MethodNotAllowedJson()
    {
        await using var daemon = await TestDaemon.StartAsync();

        var response = await daemon.Client().DeleteAsync("/v1/status", Ct);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal("method_not_allowed", (await response.Content.ReadFromJsonAsync<ErrorBody>(Ct))!.Error);
    }

    private static StringContent Json(string text) => new(text, Encoding.UTF8, "application/json");
}
