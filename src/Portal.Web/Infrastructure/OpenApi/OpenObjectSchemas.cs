using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Portal.Infrastructure.OpenApi;

/// <summary>
/// Portal refuses a field it does not read in a request body (<c>UnmappedMemberHandling.Disallow</c>: a misspelt field is a 400, not
/// silently absent), and the schema generator writes that as <c>additionalProperties: false</c> on every object, answers included.
/// A generated client that validates answers against it would then fail on a field added to an answer, which docs/api.md promises
/// is not breaking: the schemas stay open, and the document's description states the refusal.
/// </summary>
public sealed class OpenObjectSchemas : IOpenApiSchemaTransformer
{
    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        if (schema.AdditionalProperties is null) schema.AdditionalPropertiesAllowed = true;
        return Task.CompletedTask;
    }
}
