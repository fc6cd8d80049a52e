using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using Portal.Domain;

namespace Portal.Features.Organisations;

public static class OrganisationsApi
{
    public sealed record CreateOrganisationBody(string? Name, OrganisationKind? Kind, Guid? EntraTenantId, string? IncidentPrefix);
    public sealed record RenameBody(string? Name);
    public sealed record EntraTenantBody(Guid? EntraTenantId);
    public sealed record PrefixBody(string? IncidentPrefix);
    public sealed record RegisterServiceBody(string? Name, ServiceKind? Kind);

    public static void MapOrganisationsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1").WithTags("Organisations").RequireAuthorization();
        api.MapGet("/me", async (IMediator mediator, CancellationToken ct) => TypedResults.Ok(await mediator.Send(new GetMyAccess(), ct)))
            .WithName("GetMyAccess").WithSummary("The signed-in user, their memberships and the customer tenants they reach.");
        api.MapGet("/organisations", async (IMediator mediator, CancellationToken ct) => TypedResults.Ok(await mediator.Send(new ListOrganisations(), ct)))
            .WithName("ListOrganisations").WithSummary("All organisations (PlatformAdmin).");

        // The platform operator's administration of organisations (ManageOrganisations); every change is audited in the organisation's log.
        api.MapPost("/organisations", async Task<Created<OrganisationAdminView>> (CreateOrganisationBody body, IMediator mediator, CancellationToken ct) =>
            {
                var organisation = await mediator.Send(new CreateOrganisation(body.Name, body.Kind, body.EntraTenantId, body.IncidentPrefix), ct);
                return TypedResults.Created($"/api/v1/organisations/{organisation.Id}", organisation);
            })
            .WithName("CreateOrganisation").WithSummary("Create a provider, MSP or customer (PlatformAdmin); 409 `prefix_taken` for a customer prefix in use.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status409Conflict);
        var one = api.MapGroup("/organisations/{organisationId:guid}");
        one.MapGet("", async (Guid organisationId, IMediator mediator, CancellationToken ct) => TypedResults.Ok(await mediator.Send(new GetOrganisation(organisationId), ct)))
            .WithName("GetOrganisation").WithSummary("One organisation as the platform operator administers it (PlatformAdmin).")
            .ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound);
        one.MapPut("/name", async (Guid organisationId, RenameBody body, IMediator mediator, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new RenameOrganisation(organisationId, body.Name), ct)))
            .WithName("RenameOrganisation").WithSummary("Rename an organisation (PlatformAdmin).")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound);
        one.MapPut("/entra-tenant", async (Guid organisationId, EntraTenantBody body, IMediator mediator, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new BindEntraTenant(organisationId, body.EntraTenantId), ct)))
            .WithName("BindEntraTenant").WithSummary("Bind or re-bind the Entra tenant the organisation's people sign in from (PlatformAdmin).")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound);
        one.MapPut("/incident-prefix", async (Guid organisationId, PrefixBody body, IMediator mediator, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new ChangeIncidentPrefix(organisationId, body.IncidentPrefix), ct)))
            .WithName("ChangeIncidentPrefix").WithSummary("Change a customer's incident prefix: 409 `prefix_taken`, or `prefix_fixed` once it has incidents (PlatformAdmin).")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        one.MapPost("/deactivate", async (Guid organisationId, IMediator mediator, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new DeactivateOrganisation(organisationId), ct)))
            .WithName("DeactivateOrganisation").WithSummary("Deactivate: its people lose access, its data is kept (PlatformAdmin); 409 `already_deactivated`, `platform_required`.")
            .ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        one.MapPost("/reactivate", async (Guid organisationId, IMediator mediator, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new ReactivateOrganisation(organisationId), ct)))
            .WithName("ReactivateOrganisation").WithSummary("Reactivate a deactivated organisation (PlatformAdmin); 409 `not_deactivated`.")
            .ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        api.MapGet("/provider/services", async (IMediator mediator, CancellationToken ct) => TypedResults.Ok(await mediator.Send(new GetProviderServices(), ct)))
            .WithName("GetProviderServices").WithSummary("The provider's services with aggregate subscriber counts.");
        api.MapPost("/providers/{providerId:guid}/services", async Task<Created<ProviderServiceView>> (Guid providerId, RegisterServiceBody body, IMediator mediator, CancellationToken ct) =>
            {
                var service = await mediator.Send(new RegisterService(providerId, body.Name, body.Kind), ct);
                return TypedResults.Created($"/api/v1/provider/services#{service.Id}", service);
            })
            .WithName("RegisterService")
            .WithSummary("Register one of the provider's products or cloud services (its publisher): customers can then declare they use it, " +
                "and advisories can name it; 409 `duplicate_service` when the provider has one of that name (case aside).")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
    }
}
