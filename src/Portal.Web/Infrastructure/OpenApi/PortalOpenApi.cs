namespace Portal.Infrastructure.OpenApi;

/// <summary>
/// The OpenAPI document (/openapi/v1.json, the Scalar reference at /scalar/v1): Microsoft.AspNetCore.OpenApi generates it from the
/// endpoints; each transformer here adds one concern from the endpoint metadata and the code's own rules (validators, permissions,
/// problem codes), so that the contract in docs/api/openapi-v1.json says what the API does. Versioning rules: docs/api.md.
/// </summary>
public static class PortalOpenApi
{
    public const string DocumentName = "v1";

    public static void AddPortalOpenApi(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<OpenApiMessages>();
        builder.Services.AddOpenApi(DocumentName, o =>
        {
            o.AddDocumentTransformer<DocumentInfo>();
            o.AddDocumentTransformer<SecuritySchemes>();
            o.AddOperationTransformer<SecuritySchemes>();
            o.AddDocumentTransformer<ProblemResponses>();
            o.AddOperationTransformer<ProblemResponses>();
            o.AddOperationTransformer<RateLimitResponses>();
            o.AddOperationTransformer<HttpHeaders>();
            o.AddSchemaTransformer<EnumSchemas>();
            o.AddSchemaTransformer<InstantSchemas>();
            o.AddSchemaTransformer<OpenObjectSchemas>();
            o.AddSchemaTransformer<ValidatorSchemas>();
            o.AddDocumentTransformer<ValidatorSchemas>();
            o.AddOperationTransformer<ValidatorParameters>();
            o.AddOperationTransformer<OperationDescriptions>();
            o.AddOperationTransformer<Examples>();
        });
    }
}
