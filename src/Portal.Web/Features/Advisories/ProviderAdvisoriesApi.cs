using Mediator;
using Portal.Infrastructure.OpenApi;
using Portal.Infrastructure.Text;

namespace Portal.Features.Advisories;

/// <summary>
/// The provider's side of advisories beyond publishing (AdvisoriesApi): its aggregate impact picture under /api/v1, and its public
/// Atom feed under /feeds (anonymous by design: an advisory's content is what a status page would say).
/// </summary>
public static class ProviderAdvisoriesApi
{
    public static void MapProviderAdvisoriesApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1").WithTags("Advisories").RequireAuthorization();

        api.MapGet("/advisories/{id:guid}/impact", async (Guid id, IMediator mediator, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new GetAdvisoryImpact(id), ct)))
            .WithName("GetAdvisoryImpact")
            .WithSummary("The provider's aggregate picture of one advisory (ProviderPublisher, ProviderViewer of its provider): tenants targeted and " +
                "acknowledged, linked incidents open and resolved, devices done of total, the burn-down, and the same counts per anonymised MSP. Numbers only.")
            .Produces<AdvisoryImpactView>()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound);

        app.MapGet("/feeds/providers/{providerId:guid}/advisories.atom", (Guid providerId, HttpContext http, IServiceScopeFactory scopes, SafeMarkdown markdown, CancellationToken ct) =>
                new AdvisoryFeed(scopes, markdown).AnswerAsync(providerId, http, ct))
            .AllowAnonymous()
            .WithTags("Advisories")
            .WithName("GetProviderAdvisoryFeed")
            .WithMetadata(new SetsETagAttribute())
            .WithSummary("The provider's published advisories as an Atom 1.0 feed: public, no sign-in, no tenant information. " +
                "Send the ETag back in If-None-Match to get 304 Not Modified while nothing changed.")
            .Produces(StatusCodes.Status200OK, contentType: "application/atom+xml")
            .Produces(StatusCodes.Status304NotModified)
            .ProducesProblem(StatusCodes.Status404NotFound);
    }
}
