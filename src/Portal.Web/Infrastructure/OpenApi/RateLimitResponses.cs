using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Portal.Infrastructure.OpenApi;

/// <summary>Every API operation can answer 429 (the per-user, per-organisation or per-address limit): the document says so, with its header.</summary>
public sealed class RateLimitResponses : IOpenApiOperationTransformer
{
    private const string Description =
        $"Too many requests (problem `code` `{ProblemCodes.RateLimited}`): the user's, the organisation's or the client address's limit is used up. " +
        "Retry after `Retry-After` seconds.";

    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        if (context.Description.RelativePath?.StartsWith("api/", StringComparison.Ordinal) != true) return Task.CompletedTask;
        operation.Responses ??= [];
        // A route that declares its 429 itself (uploads, bulk updates) keeps its problem schema and gets the header.
        if (operation.Responses.TryGetValue("429", out var declared) && declared is OpenApiResponse response)
        {
            response.Description = Description;
        }
        else
        {
            response = new OpenApiResponse { Description = Description };
            operation.Responses["429"] = response;
        }
        response.Content = new Dictionary<string, OpenApiMediaType> { [ProblemResponses.MediaType] = new() { Schema = ProblemResponses.Reference(context.Document!) } };
        response.Headers ??= new Dictionary<string, IOpenApiHeader>();
        response.Headers["Retry-After"] = new OpenApiHeader { Description = "Seconds until a request will be accepted again.", Schema = new OpenApiSchema { Type = JsonSchemaType.Integer } };
        return Task.CompletedTask;
    }
}
