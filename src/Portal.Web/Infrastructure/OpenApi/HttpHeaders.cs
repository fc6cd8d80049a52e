using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Portal.Infrastructure.OpenApi;

/// <summary>
/// The headers optimistic concurrency and creation depend on, from the endpoint metadata: <c>ETag</c> on the success answers of
/// routes whose response type carries one (or that say <see cref="SetsETagAttribute"/>), the <c>If-Match</c> request header
/// where the route reads it, <c>Location</c> on every 201, and <c>Idempotency-Key</c> where the command honours it.
/// </summary>
public sealed class HttpHeaders : IOpenApiOperationTransformer
{
    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var description = context.Description;
        var setsETag = description.ActionDescriptor.EndpointMetadata.OfType<SetsETagAttribute>().Any()
            || description.SupportedResponseTypes.Any(r => r.StatusCode is >= 200 and < 300 && r.Type?.GetProperty("ETag") is not null);
        foreach (var (status, response) in operation.Responses ?? [])
        {
            if (response is not OpenApiResponse answer || !status.StartsWith('2')) continue;
            if (setsETag && status != "204")
            {
                answer.Headers ??= new Dictionary<string, IOpenApiHeader>();
                answer.Headers["ETag"] = new OpenApiHeader
                {
                    Description = "The version of what this answer shows, a strong entity tag such as `\"7\"`: send it back in `If-Match` " +
                        "to change it only if no one else has, or in `If-None-Match` where a route answers 304.",
                    Schema = new OpenApiSchema { Type = JsonSchemaType.String },
                    Example = JsonValue.Create("\"7\""),
                };
            }
            if (status == "201")
            {
                answer.Headers ??= new Dictionary<string, IOpenApiHeader>();
                answer.Headers["Location"] = new OpenApiHeader
                {
                    Description = "Where the created record can be read.",
                    Schema = new OpenApiSchema { Type = JsonSchemaType.String, Format = "uri-reference" },
                };
            }
        }

        // A route that answers 304 reads If-None-Match (the status is polled): a generated client needs the parameter to send it.
        if (description.SupportedResponseTypes.Any(r => r.StatusCode == StatusCodes.Status304NotModified))
        {
            operation.Parameters ??= [];
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = "If-None-Match",
                In = ParameterLocation.Header,
                Description = "The ETag of the answer you already have: while nothing changed, the answer is 304 Not Modified with no body.",
                Schema = new OpenApiSchema { Type = JsonSchemaType.String },
                Example = JsonValue.Create("\"8dd2a6b5c1e3f00\""),
            });
        }

        // A creation a client may retry safely: the same key answers the first answer again instead of creating a second record.
        if (typeof(Pipeline.IIdempotentCommand).IsAssignableFrom(OpenApiMessages.MessageOf(description)))
        {
            operation.Parameters ??= [];
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = Http.IdempotencyKeyHeader.Name,
                In = ParameterLocation.Header,
                Description = "A key of your own for this request, such as a new UUID: sent again with the same request (a retry after a timeout), " +
                    "it gets the first answer again, with `Idempotent-Replayed: true`, and creates nothing more. Kept for a day, per user. " +
                    "The same key with another request is refused (422).",
                Schema = new OpenApiSchema { Type = JsonSchemaType.String, MinLength = 1, MaxLength = Domain.IdempotencyRecord.KeyMaxLength },
                Example = JsonValue.Create("0b7d7e0e-3f1e-4c55-9a51-0e5c3c1d2a11"),
            });
            foreach (var (status, response) in operation.Responses ?? [])
            {
                if (status != "201" || response is not OpenApiResponse created) continue;
                created.Headers ??= new Dictionary<string, IOpenApiHeader>();
                created.Headers[Http.IdempotencyKeyHeader.ReplayedName] = new OpenApiHeader
                {
                    Description = "`true` when this is the recorded first answer to a request sent again with the same `Idempotency-Key`.",
                    Schema = new OpenApiSchema { Type = JsonSchemaType.String },
                };
            }
        }

        if (IfMatchHeader.IsReadBy(description))
        {
            var parameter = operation.Parameters?.OfType<OpenApiParameter>()
                .FirstOrDefault(p => p.In == ParameterLocation.Header && string.Equals(p.Name, IfMatchHeader.Name, StringComparison.OrdinalIgnoreCase));
            if (parameter is not null)
            {
                parameter.Description = "The ETag you last read (`\"7\"`; `W/\"7\"` and `7` are accepted too): the change is made only if the record " +
                    $"is still at that version, else 409 `{ProblemCodes.StaleVersion}`. Leave it out (or send `*`) to change whatever the current version is.";
                parameter.Schema = new OpenApiSchema { Type = JsonSchemaType.String, Pattern = "^(\\*|(W/)?\"?[0-9]+\"?)$" };
                parameter.Example = JsonValue.Create("\"7\"");
            }
        }
        return Task.CompletedTask;
    }
}
