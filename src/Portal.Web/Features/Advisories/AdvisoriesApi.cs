using System.ComponentModel.DataAnnotations;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Portal.Domain;
using Portal.Infrastructure.Http;
using Severity = Portal.Domain.Severity;

namespace Portal.Features.Advisories;

/// <summary>The advisory API under /api/v1. Each endpoint only translates HTTP to one Mediator message and back.</summary>
public static class AdvisoriesApi
{
    public sealed record AdvisoryContentBody(string? Title, Severity? Severity, string? Impact, string? Runbook, IReadOnlyList<Guid>? ServiceIds,
        IReadOnlyList<string>? Regions, AdvisoryStatus? Status);
    public sealed record AdvisoryUpdateBody(AdvisoryStatus? Status, string? Text);

    public static void MapAdvisoriesApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1").WithTags("Advisories").RequireAuthorization().WithBodyLimit(BodyLimit.LongText); // runbooks

        api.MapPost("/providers/{providerId:guid}/advisories", async Task<Created<AdvisoryView>> (Guid providerId, AdvisoryContentBody body, IMediator mediator, HttpContext http, CancellationToken ct) =>
        {
            var advisory = await mediator.Send(new PublishAdvisory(providerId, body.Title, body.Severity, body.Impact, body.Runbook, body.ServiceIds, body.Regions, body.Status), ct);
            http.Response.Headers.ETag = advisory.ETag;
            return TypedResults.Created($"/api/v1/advisories/{advisory.Id}", advisory);
        }).WithName("PublishAdvisory").WithSummary("Publish an advisory about the provider's services (ProviderPublisher); it reaches the tenants whose subscriptions match.");

        // Range: the bounds the handler enforces (invalid_limit), published in the OpenAPI document; minimal APIs do not validate it here.
        // The body stays the array it always was; the next page is named in a Link header (RFC 8288), so v1 clients read on unchanged.
        api.MapGet("/advisories", async ([FromQuery] Guid? providerId, [FromQuery] bool? open, [FromQuery, Range(1, ListAdvisories.MaxLimit)] int? limit,
                [FromQuery] string? cursor, IMediator mediator, HttpContext http, CancellationToken ct) =>
            {
                var list = await mediator.Send(new ListAdvisories(providerId, open, limit ?? 100, cursor), ct);
                if (list.Next is { } next) http.Response.Headers.Link = $"<{NextPage(http.Request, next)}>; rel=\"next\"";
                return TypedResults.Ok(list.Items);
            })
            .WithName("ListAdvisories").WithSummary("The advisories you may see, newest first; a Link header (rel=\"next\") names the next page.");

        api.MapGet("/advisories/{id:guid}", async (Guid id, IMediator mediator, HttpContext http, CancellationToken ct) =>
            WithETag(http, await mediator.Send(new GetAdvisory(id), ct)))
            .WithName("GetAdvisory").WithSummary("One advisory with its updates; runbook and updates also as safe HTML.");

        api.MapPut("/advisories/{id:guid}", async (Guid id, AdvisoryContentBody body, [FromHeader(Name = "If-Match")] string? ifMatch, IMediator mediator, HttpContext http, CancellationToken ct) =>
            WithETag(http, await mediator.Send(new EditAdvisory(id, body.Title, body.Severity, body.Impact, body.Runbook, body.ServiceIds, body.Regions,
                HttpInput.IfMatchVersion(ifMatch)), ct)))
            .WithName("EditAdvisory").WithSummary("A new revision of the content (the earlier ones stay); changed services or regions retarget it.");

        api.MapPost("/advisories/{id:guid}/updates", async Task<Created<AdvisoryView>> (Guid id, AdvisoryUpdateBody body, IMediator mediator, HttpContext http, CancellationToken ct) =>
        {
            var advisory = await mediator.Send(new PostAdvisoryUpdate(id, body.Status, body.Text), ct);
            http.Response.Headers.ETag = advisory.ETag;
            return TypedResults.Created($"/api/v1/advisories/{id}#update-{advisory.Updates[^1].Number}", advisory);
        }).WithName("PostAdvisoryUpdate").WithSummary("Post an update (status and Markdown text); it reaches every linked incident's timeline.");

        api.MapGet("/advisories/{id:guid}/revisions", async (Guid id, IMediator mediator, CancellationToken ct) =>
            TypedResults.Ok(await mediator.Send(new GetAdvisoryRevisions(id), ct)))
            .WithName("GetAdvisoryRevisions").WithSummary("Every revision of the content, oldest first.");
    }

    /// <summary>The same request (path and filters) with the next page's cursor in place of this one's.</summary>
    private static string NextPage(HttpRequest request, string cursor)
    {
        var query = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(request.QueryString.Value);
        query["cursor"] = cursor;
        return Microsoft.AspNetCore.WebUtilities.QueryHelpers.AddQueryString(request.PathBase + request.Path, query);
    }

    private static Ok<AdvisoryView> WithETag(HttpContext http, AdvisoryView advisory)
    {
        http.Response.Headers.ETag = advisory.ETag;
        return TypedResults.Ok(advisory);
    }
}
