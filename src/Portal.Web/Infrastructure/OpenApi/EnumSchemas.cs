using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Portal.Infrastructure.OpenApi;

/// <summary>
/// Enums travel as their names (numbers are refused), but ASP.NET Core publishes an enum's schema as a bare <c>enum</c> list with
/// no <c>type</c>: generators such as NSwag then send numbers. Every enum whose values are names is a <c>string</c>. The list itself
/// comes from the type: the generator cannot read it through Portal's own converter (<see cref="Http.JsonEnumNames"/>).
/// </summary>
public sealed class EnumSchemas : IOpenApiSchemaTransformer
{
    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        var type = context.JsonTypeInfo.Type;
        if ((Nullable.GetUnderlyingType(type) ?? type) is { IsEnum: true } enumType && schema.Enum is null or { Count: 0 } && schema.Type is null)
        {
            schema.Enum = [.. Enum.GetNames(enumType).Select(name => (JsonNode)JsonValue.Create(name))];
            if (Nullable.GetUnderlyingType(type) is not null) schema.Enum.Add(null!); // JSON null: the value may be absent
        }
        // A list of them: nor can it see the items, which are the enum's component, as a single value's schema is.
        // A list of them: nor can it see the items. The schema id makes ASP.NET Core reference the enum's component, as for one value.
        if (schema.Items is null && ElementOf(type) is { IsEnum: true } element)
        {
            schema.Items = new OpenApiSchema
            {
                Type = JsonSchemaType.String,
                Enum = [.. Enum.GetNames(element).Select(name => (JsonNode)JsonValue.Create(name))],
                Metadata = new Dictionary<string, object> { ["x-schema-id"] = element.Name },
            };
        }
        if (schema.Enum is { Count: > 0 } values && values.All(v => v is null || v.GetValueKind() == System.Text.Json.JsonValueKind.String)
            && (schema.Type is null || schema.Type == JsonSchemaType.Null))
        {
            schema.Type = schema.Type == JsonSchemaType.Null || values.Any(v => v is null) ? JsonSchemaType.String | JsonSchemaType.Null : JsonSchemaType.String;
        }
        return Task.CompletedTask;
    }

    private static Type? ElementOf(Type type) => type.IsArray ? type.GetElementType()
        : type == typeof(string) ? null
        : type.GetInterfaces().Append(type).FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>))?.GetGenericArguments()[0];
}
