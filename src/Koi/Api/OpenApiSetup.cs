using Koi.Core.Errors;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Koi.Api;

/// <summary>
/// <c>/openapi/v1.json</c>, generated at run time from the mapped endpoints (docs/api.md). Every operation also
/// documents the one error shape, <see cref="KoiError"/>, that the error middleware writes for any failure.
/// </summary>
internal static class OpenApiSetup
{
    public const string DocumentName = "v1";

    public static void AddKoiOpenApi(this IServiceCollection services) =>
        services.AddOpenApi(DocumentName, options =>
        {
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo
                {
                    Title = "koi daemon API",
                    Version = BuildInfo.Version,
                    Description = "The HTTP API of `koi daemon`. See docs/api.md for authentication and conventions.",
                };
                return Task.CompletedTask;
            });
            options.AddOperationTransformer(AddErrorResponseAsync);
        });

    public static void MapKoiOpenApi(this WebApplication app) => app.MapOpenApi("/openapi/{documentName}.json").WithMetadata(Daemon.LoopbackEndpoint.Instance);

    private static async Task AddErrorResponseAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var schema = await context.GetOrCreateSchemaAsync(typeof(KoiError), null, cancellationToken);
        operation.Responses ??= [];
        operation.Responses["default"] = new OpenApiResponse
        {
            Description = "Any failure: error is a stable code (invalid_request, unauthorized, forbidden, not_found, conflict, rate_limited, ca_locked, …), message says what to do.",
            Content = new Dictionary<string, OpenApiMediaType>
            {
                ["application/json"] = new OpenApiMediaType { Schema = schema },
            },
        };
    }
}
