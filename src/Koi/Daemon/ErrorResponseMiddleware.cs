using Koi.Core;
using Koi.Core.Errors;
using Koi.Core.Storage;
using Microsoft.AspNetCore.Diagnostics;

namespace Koi.Daemon;

/// <summary>Turns every failure into <c>{"error", "message"}</c> with the status from the one error table.</summary>
internal sealed partial class ErrorResponseMiddleware(RequestDelegate next, ILogger<ErrorResponseMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (KoiException ex)
        {
            await WriteAsync(context, ex.Code, ex.Message, ex.RetryAfterSeconds);
        }
        catch (StorageWriteException ex)
        {
            // The data dir refused the write (full, read-only): the change was not made and the old state stands.
            LogStorageFault(logger, context.Request.Method, context.Request.Path, ex.Message);
            await WriteAsync(context, KoiErrorCode.StorageUnavailable, ex.Message, null);
        }
        catch (BadHttpRequestException ex)
        {
            var (code, message) = Classify(ex);
            await WriteAsync(context, code, message, null);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; nobody is left to answer.
        }
        catch (Exception ex)
        {
            LogUnhandled(logger, context.Request.Method, context.Request.Path, ex);
            await WriteAsync(context, KoiErrorCode.Internal, "internal error; see the daemon log", null);
        }
    }

    /// <summary>For responses that ended with an error status but no body (unknown route, wrong method).</summary>
    public static Task WriteBareStatusAsync(StatusCodeContext status)
    {
        var context = status.HttpContext;
        var code = context.Response.StatusCode switch
        {
            404 => KoiErrorCode.NotFound,
            405 => KoiErrorCode.MethodNotAllowed,
            413 => KoiErrorCode.PayloadTooLarge,
            415 => KoiErrorCode.UnsupportedMediaType,
            401 => KoiErrorCode.Unauthorized,
            403 => KoiErrorCode.Forbidden,
            >= 500 => KoiErrorCode.Internal,
            _ => KoiErrorCode.InvalidRequest,
        };
        var message = code switch
        {
            KoiErrorCode.NotFound => $"no route {context.Request.Path}",
            KoiErrorCode.MethodNotAllowed => $"{context.Request.Method} is not allowed on {context.Request.Path}",
            KoiErrorCode.UnsupportedMediaType => "request body must be application/json",
            KoiErrorCode.PayloadTooLarge => $"request body is larger than {DaemonApp.MaxRequestBodyBytes} bytes",
            _ => code.Replace('_', ' '),
        };
        return context.Response.WriteAsJsonAsync(new KoiError(code, message), CoreJsonContext.Default.KoiError);
    }

    private static (string Code, string Message) Classify(BadHttpRequestException ex) => ex.StatusCode switch
    {
        413 => (KoiErrorCode.PayloadTooLarge, $"request body is larger than {Daemon.DaemonApp.MaxRequestBodyBytes} bytes"),
        415 => (KoiErrorCode.UnsupportedMediaType, "request body must be application/json"),
        _ => (KoiErrorCode.InvalidRequest, Describe(ex)),
    };

    private static string Describe(BadHttpRequestException ex) =>
        ex.InnerException is System.Text.Json.JsonException json
            ? $"malformed JSON: {json.Message}"
            : ex.Message;

    private static async Task WriteAsync(HttpContext context, string code, string message, int? retryAfter)
    {
        if (context.Response.HasStarted)
        {
            return;
        }

        context.Response.Clear();
        context.Response.StatusCode = KoiErrorStatus.For(code);
        if (retryAfter is { } seconds)
        {
            context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        await context.Response.WriteAsJsonAsync(new KoiError(code, message), CoreJsonContext.Default.KoiError);
    }

    [LoggerMessage(EventId = 101, Level = LogLevel.Error, Message = "unhandled failure in {Method} {Path}")]
    private static partial void LogUnhandled(ILogger logger, string method, string path, Exception exception);

    [LoggerMessage(EventId = 102, Level = LogLevel.Error, Message = "{Method} {Path} failed: {Reason}")]
    private static partial void LogStorageFault(ILogger logger, string method, string path, string reason);
}
