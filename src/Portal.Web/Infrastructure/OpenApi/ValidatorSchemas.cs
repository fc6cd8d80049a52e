using System.Globalization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Portal.Infrastructure.OpenApi;

/// <summary>
/// Request bodies say what the validators of the messages they become enforce: NotNull/NotEmpty → required and not nullable,
/// lengths, ranges, patterns, e-mail format. A body record (CreateIncidentBody) is matched to its message (CreateIncident) through
/// the routes that bind it (<see cref="OpenApiMessages"/>), and its properties to the message's members by name.
/// </summary>
public sealed class ValidatorSchemas(OpenApiMessages messages) : IOpenApiSchemaTransformer, IOpenApiDocumentTransformer
{
    /// <summary>Schema metadata (not written out): the properties the validators require, whose <c>null</c> goes once references are in place.</summary>
    private const string NotNullKey = "portal.notNull";

    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        // An object schema, whether it stands alone or is the type of a property (a nested body such as deviceFilter).
        if (schema.Properties is not { Count: > 0 }) return Task.CompletedTask;
        var type = context.JsonTypeInfo.Type;
        var requestOnly = messages.IsRequestOnly(type);
        var targets = messages.MessagesForBody(type);
        // A message bound directly as the body is validated as itself.
        IEnumerable<Type> validated = targets.Count > 0 ? targets : [type];
        var rules = validated.Select(m => ValidationRules.Of(context.ApplicationServices, m)).Where(r => r.Count > 0).ToList();
        if (rules.Count == 0 && !requestOnly) return Task.CompletedTask;

        schema.Required ??= new HashSet<string>();
        foreach (var (name, property) in schema.Properties.ToList())
        {
            // With several messages behind one body, a field is required only when every one of them requires it.
            var found = rules.Select(r => r.TryGetValue(name, out var f) ? f : null).ToList();
            var field = found.FirstOrDefault(f => f is not null);
            if (found.Count > 0 && found.All(f => f is { Required: true, ForEachItem: false }))
            {
                schema.Required.Add(name);
                schema.Properties[name] = NotNullable(property);
                schema.Metadata ??= new Dictionary<string, object>();
                ((HashSet<string>)(schema.Metadata.TryGetValue(NotNullKey, out var set) ? set : schema.Metadata[NotNullKey] = new HashSet<string>())).Add(name);
            }
            else if (requestOnly || field is not null)
            {
                // Positional records make every member "required" to the generator; only the validators decide what is.
                schema.Required.Remove(name);
            }
            if (field is not null && schema.Properties[name] is OpenApiSchema target)
            {
                Constrain(field.ForEachItem && target.Items is OpenApiSchema items ? items : target, field);
            }
        }
        return Task.CompletedTask;
    }

    /// <summary>
    /// A nullable property whose type is a component (an enum, a record) is written as <c>oneOf: [null, $ref]</c> only after the
    /// schema transformers ran; the required ones lose the <c>null</c> here, in the finished components.
    /// </summary>
    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        foreach (var schema in (document.Components?.Schemas?.Values ?? []).OfType<OpenApiSchema>())
        {
            if (schema.Metadata?.TryGetValue(NotNullKey, out var names) != true || schema.Properties is null) continue;
            foreach (var name in (HashSet<string>)names!)
            {
                if (schema.Properties.TryGetValue(name, out var property)) schema.Properties[name] = NotNullable(property);
            }
        }
        return Task.CompletedTask;
    }

    public static void Constrain(OpenApiSchema target, FieldRules field)
    {
        // NotEmpty is a length only for text (for a Guid it means "not all zeros", which a schema cannot say).
        if (field.NotEmpty && field.ValueType == typeof(string) && IsString(target)) target.MinLength = Math.Max(target.MinLength ?? 0, 1);
        if (field.NotEmpty && IsArray(target)) target.MinItems = Math.Max(target.MinItems ?? 0, 1);
        if (field.MinLength is { } min) target.MinLength = min;
        if (field.MaxLength is { } max)
        {
            if (IsArray(target)) target.MaxItems = max; else target.MaxLength = max;
        }
        if (field.Minimum is { } minimum) target.Minimum = Text(minimum);
        if (field.Maximum is { } maximum) target.Maximum = Text(maximum);
        if (field.ExclusiveMinimum is { } exclusiveMinimum) target.ExclusiveMinimum = Text(exclusiveMinimum);
        if (field.ExclusiveMaximum is { } exclusiveMaximum) target.ExclusiveMaximum = Text(exclusiveMaximum);
        if (field.Pattern is { } pattern) target.Pattern = pattern;
        if (field.Format is { } format) target.Format = format;
    }

    /// <summary>Drops <c>null</c> from a property's type, whether written as a type list or as <c>oneOf: [null, $ref]</c>.</summary>
    private static IOpenApiSchema NotNullable(IOpenApiSchema property)
    {
        if (property is not OpenApiSchema schema) return property;
        if (schema.Type is { } type && type.HasFlag(JsonSchemaType.Null) && type != JsonSchemaType.Null) schema.Type = type & ~JsonSchemaType.Null;
        foreach (var list in new[] { schema.OneOf, schema.AnyOf })
        {
            foreach (var nothing in list?.Where(s => s is OpenApiSchema { Type: JsonSchemaType.Null }).ToList() ?? []) list!.Remove(nothing);
        }
        if (schema.OneOf is { Count: 1 } one && schema.Type is null && (schema.Properties is null || schema.Properties.Count == 0)) return one[0];
        if (schema.AnyOf is { Count: 1 } any && schema.Type is null && (schema.Properties is null || schema.Properties.Count == 0)) return any[0];
        return schema;
    }

    private static bool IsString(OpenApiSchema s) => s.Type?.HasFlag(JsonSchemaType.String) == true;
    private static bool IsArray(OpenApiSchema s) => s.Type?.HasFlag(JsonSchemaType.Array) == true;
    private static string Text(decimal value) => value.ToString(CultureInfo.InvariantCulture);
}
