using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Portal.Infrastructure.OpenApi;

/// <summary>
/// Every error the API answers, documented from the endpoint's metadata by one set of rules (not per route): 401 and 403 on
/// authorized routes, 404 where the path names a record, 400 where the client sends a body, a query or a header, 409 on
/// commands, 413 and 415 where a body is sent. Each is an RFC 7807 problem of the one <c>ProblemDetails</c> schema, whose
/// <c>code</c> lists every value a client can branch on (<see cref="ProblemCodes"/>).
/// </summary>
public sealed class ProblemResponses : IOpenApiDocumentTransformer, IOpenApiOperationTransformer
{
    public const string SchemaName = "ProblemDetails";
    public const string MediaType = "application/problem+json";

    private static readonly HashSet<string> Commands = ["POST", "PUT", "PATCH", "DELETE"];

    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var description = context.Description;
        var parameters = description.ParameterDescriptions;
        var hasBody = operation.RequestBody is not null || parameters.Any(p => p.Source == BindingSource.Body || p.Source == BindingSource.Form || p.Source == BindingSource.FormFile);
        var readsIfMatch = IfMatchHeader.IsReadBy(description);
        var query = parameters.Where(p => p.Source == BindingSource.Query).Select(p => p.Name).ToList();
        var isCommand = Commands.Contains(description.HttpMethod ?? "");
        var isApi = description.RelativePath?.StartsWith("api/", StringComparison.Ordinal) == true;
        var idempotent = typeof(Pipeline.IIdempotentCommand).IsAssignableFrom(OpenApiMessages.MessageOf(description));

        if (hasBody || query.Count > 0 || readsIfMatch)
        {
            var reasons = new List<string> { "a field is not valid (`errors` maps each field, or parameter, to its messages)" };
            if (hasBody) reasons.Add("the body is not valid JSON, or a value has the wrong type (named values such as severities are strings, never numbers)");
            if (readsIfMatch) reasons.Add("`If-Match` is not an ETag this API issued (send it back as received, e.g. `\"7\"`)");
            if (query.Count > 0) reasons.Add($"a query parameter ({string.Join(", ", query.Select(q => $"`{q}`"))}) is out of range or unreadable, e.g. a page or limit outside its bounds or a foreign cursor");
            if (idempotent) reasons.Add($"`Idempotency-Key` is not 1 to {Domain.IdempotencyRecord.KeyMaxLength} visible ASCII characters (`code` `{Http.IdempotencyKeyHeader.InvalidCode}`)");
            reasons.Add("a value the domain cannot hold (`code`, e.g. `text_too_long`, `invalid_cursor`, `invalid_limit`)");
            Add(operation, context, "400", "The request is not valid and changed nothing: " + string.Join("; ", reasons) + ".");
        }
        if (!SecuritySchemes.IsAnonymous(context))
        {
            Add(operation, context, "401", "No valid token: missing, expired, or not issued for this API. Nothing was read or changed.");
            Add(operation, context, "403", "The token is valid, but its user may not do this: the role lacks the permission named in the description, " +
                "the user is unknown to Portal or deactivated, or the kind of token does not fit the user (a person's token for an integration).");
        }
        if (description.RelativePath?.Contains('{') == true)
        {
            Add(operation, context, "404", "No such record, or one you may not see (both answer alike, so ids cannot be probed).");
        }
        if (isApi && isCommand)
        {
            var codes = (operation.Tags ?? new HashSet<OpenApiTagReference>())
                .SelectMany(t => t.Name is not null && ProblemCodes.ConflictsByTag.TryGetValue(t.Name, out var c) ? c : []).Distinct().ToList();
            var conflict = "The current state does not allow it, and nothing was changed; `code` says which rule" +
                (codes.Count > 0 ? $" ({string.Join(", ", codes.Select(c => $"`{c}`"))} on these routes)." : ".");
            if (readsIfMatch || description.RelativePath?.StartsWith("api/v1/incidents/", StringComparison.Ordinal) == true)
            {
                conflict += $" `{ProblemCodes.StaleVersion}`: someone changed the record since the version you sent in `If-Match` (or at the same moment); " +
                    "`currentVersion` is the version now stored: reload and decide again.";
            }
            Add(operation, context, "409", conflict);
        }
        if (idempotent)
        {
            Add(operation, context, "422", $"This `Idempotency-Key` was sent before with another request (another route, record or content); `code` " +
                $"`{Domain.IdempotencyKeyReusedException.Code}`. Nothing was changed: send a new key for a new request.");
        }
        if (hasBody)
        {
            Add(operation, context, "413", "The body is larger than this route accepts.");
            Add(operation, context, "415", "The body is not JSON: send `Content-Type: application/json`.");
        }
        return Task.CompletedTask;
    }

    /// <summary>Adds the problem answer, or fills one the route declared itself (its own description stays, if it wrote one).</summary>
    private static void Add(OpenApiOperation operation, OpenApiOperationTransformerContext context, string status, string description)
    {
        operation.Responses ??= [];
        if (operation.Responses.TryGetValue(status, out var declared) && declared is OpenApiResponse response)
        {
            if (string.IsNullOrEmpty(response.Description) || response.Description == ReasonPhrase(status)) response.Description = description;
        }
        else
        {
            response = new OpenApiResponse { Description = description };
            operation.Responses[status] = response;
        }
        response.Content ??= new Dictionary<string, OpenApiMediaType>();
        response.Content.Remove("application/json");
        response.Content[MediaType] = new OpenApiMediaType { Schema = Reference(context.Document!) };
    }

    public static OpenApiSchemaReference Reference(OpenApiDocument document) => new(SchemaName, document);

    private static string ReasonPhrase(string status) => Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(int.Parse(status, System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>The one problem schema (replacing the framework's, which lacks the extensions Portal sends).</summary>
    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        static OpenApiSchema Text(string description) => new() { Type = JsonSchemaType.String, Description = description };
        document.Components ??= new OpenApiComponents();
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        document.Components.Schemas[SchemaName] = new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = "An RFC 7807 (RFC 9457) problem: every error the API answers has this shape.",
            Required = new HashSet<string> { "title", "status" },
            Properties = new Dictionary<string, IOpenApiSchema>
            {
                ["type"] = Text("A URI reference naming the kind of problem (the RFC 9110 section of the status)."),
                ["title"] = Text("A short, human-readable summary."),
                ["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32", Description = "The HTTP status code." },
                ["detail"] = Text("What happened and what to do, for a person to read."),
                ["instance"] = Text("The request the problem is about."),
                ["traceId"] = Text("The id to quote to support; the same one the logs carry."),
                ["code"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.String,
                    // Not a closed enum: a code added later must not make an older generated client fail to read the whole problem.
                    Description = "The rule that refused the request, for clients to branch on (absent on validation, 401, 403, 404). " +
                        "The values known today are listed in `examples`; more may come: treat an unknown one as its HTTP status says.",
                    Examples = [.. ProblemCodes.All.Order(StringComparer.Ordinal).Select(c => (JsonNode)JsonValue.Create(c))],
                },
                ["errors"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.Object,
                    Description = "400 validation only: each field (or query parameter, or header) that is not valid, with its messages.",
                    AdditionalProperties = new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchema { Type = JsonSchemaType.String } },
                },
                ["currentVersion"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.Integer, Format = "int64",
                    Description = $"409 `{ProblemCodes.StaleVersion}` only: the version now stored; its ETag is `\"currentVersion\"`.",
                },
                ["retryAfterSeconds"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32", Description = $"429 `{ProblemCodes.RateLimited}` only: as `Retry-After`." },
            },
        };
        return Task.CompletedTask;
    }
}
