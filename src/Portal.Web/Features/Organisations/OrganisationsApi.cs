using Mediator;

namespace Portal.Features.Organisations;

public static class OrganisationsApi
{
    public static void MapOrganisationsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1").WithTags("Organisations").RequireAuthorization();
        api.MapGet("/me", async (IMediator mediator, CancellationToken ct) => TypedResults.Ok(await mediator.Send(new GetMyAccess(), ct)))
            .WithName("GetMyAccess").WithSummary("The signed-in user, their memberships and the customer tenants they reach.");
        api.MapGet("/organisations", async (IMediator mediator, CancellationToken ct) => TypedResults.Ok(await mediator.Send(new ListOrganisations(), ct)))
            .WithName("ListOrganisations").WithSummary("All organisations (PlatformAdmin).");
        api.MapGet("/provider/services", async (IMediator mediator, CancellationToken ct) => TypedResults.Ok(await mediator.Send(new GetProviderServices(), ct)))
            .WithName("GetProviderServices").WithSummary("The provider's services with aggregate subscriber counts.");
    }
}
