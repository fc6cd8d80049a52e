using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Portal.Features.People;

/// <summary>An organisation's members under /api/v1 (its MspLead, CustomerAdmin or ProviderPublisher; a platform admin anywhere).</summary>
public static class RemoveMemberApi
{
    public static void MapRemoveMember(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1").WithTags("People").RequireAuthorization();

        api.MapGet("/organisations/{organisationId:guid}/members", async (Guid organisationId, IMediator mediator, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new ListMembers(organisationId), ct)))
            .WithName("ListMembers").WithSummary("The organisation's people, each membership with its role.")
            .ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound);

        api.MapDelete("/organisations/{organisationId:guid}/members/{membershipId:guid}", async Task<NoContent> (Guid organisationId, Guid membershipId, IMediator mediator, CancellationToken ct) =>
            {
                await mediator.Send(new RemoveMember(organisationId, membershipId), ct);
                return TypedResults.NoContent();
            })
            .WithName("RemoveMember")
            .WithSummary("Takes one membership away; the person's cached access, status pages and open sockets lose it at once, on every instance. " +
                         "The last holder of the organisation's admin role cannot be removed (409 last_admin).")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
    }
}
