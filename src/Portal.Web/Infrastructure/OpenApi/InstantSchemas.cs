using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Portal.Infrastructure.OpenApi;

/// <summary>
/// An instant is a <c>string</c> in <c>date-time</c> format. The generator reads that from the framework's converter, and Portal's own
/// (<see cref="Http.JsonInstants"/>, which wants the offset) hides it: given back here, as the document had it.
/// </summary>
public sealed class InstantSchemas : IOpenApiSchemaTransformer
{
    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        var type = context.JsonTypeInfo.Type;
        if ((Nullable.GetUnderlyingType(type) ?? type) == typeof(DateTimeOffset) && schema.Type is null)
        {
            // A query parameter's schema names no null, as the framework's converter had it; a body's nullable field does.
            schema.Type = Nullable.GetUnderlyingType(type) is null || context.ParameterDescription is not null ? JsonSchemaType.String : JsonSchemaType.String | JsonSchemaType.Null;
            schema.Format = "date-time";
        }
        return Task.CompletedTask;
    }
}
