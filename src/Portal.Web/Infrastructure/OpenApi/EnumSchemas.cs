using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Portal.Infrastructure.OpenApi;

/// <summary>
/// Enums travel as their names (numbers are refused), but ASP.NET Core publishes an enum's schema as a bare <c>enum</c> list with
/// no <c>type</c>: generators such as NSwag then send numbers. Every enum whose values are names is a <c>string</c>.
/// </summary>
public sealed class EnumSchemas : IOpenApiSchemaTransformer
{
    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        if (schema.Enum is { Count: > 0 } values && values.All(v => v is null || v.GetValueKind() == System.Text.Json.JsonValueKind.String)
            && (schema.Type is null || schema.Type == JsonSchemaType.Null))
        {
            schema.Type = schema.Type == JsonSchemaType.Null || values.Any(v => v is null) ? JsonSchemaType.String | JsonSchemaType.Null : JsonSchemaType.String;
        }
        return Task.CompletedTask;
    }
}
