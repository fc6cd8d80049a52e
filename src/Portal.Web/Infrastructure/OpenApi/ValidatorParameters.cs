using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Portal.Infrastructure.OpenApi;

/// <summary>
/// Query parameters say what the message's validators enforce on them (page ≥ 1, 1 ≤ pageSize ≤ ListIncidents.MaxPageSize, q's
/// length, the enum names a repeated status accepts), matched by the name the validator reports errors under.
/// </summary>
public sealed class ValidatorParameters : IOpenApiOperationTransformer
{
    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        if (operation.Parameters is not { Count: > 0 } || OpenApiMessages.MessageOf(context.Description) is not { } message) return Task.CompletedTask;
        var rules = ValidationRules.Of(context.ApplicationServices, message);
        if (rules.Count == 0) return Task.CompletedTask;
        foreach (var parameter in operation.Parameters.OfType<OpenApiParameter>().Where(p => p.In == ParameterLocation.Query))
        {
            if (parameter.Name is null || !rules.TryGetValue(parameter.Name, out var field) || parameter.Schema is not OpenApiSchema schema) continue;
            var target = field.ForEachItem && schema.Items is OpenApiSchema items ? items : schema;
            ValidatorSchemas.Constrain(target, field);
            if (field.InEnum && EnumOf(field.ValueType) is { } names && target.Enum is not { Count: > 0 })
            {
                target.Enum = [.. names.Select(n => (JsonNode)JsonValue.Create(n))];
            }
        }
        return Task.CompletedTask;
    }

    /// <summary>The names of the enum behind a member (its type, its nullable's, or its collection's items).</summary>
    private static string[]? EnumOf(Type? type)
    {
        if (type is null) return null;
        var element = type.IsArray ? type.GetElementType()! : type.IsGenericType ? type.GetGenericArguments()[0] : type;
        element = Nullable.GetUnderlyingType(element) ?? element;
        return element.IsEnum ? Enum.GetNames(element) : null;
    }
}
