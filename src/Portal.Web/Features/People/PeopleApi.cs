using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Portal.Domain;
using Portal.Infrastructure.Auth;

namespace Portal.Features.People;

/// <summary>An organisation's people under /api/v1/organisations/{organisationId}: its admins (and platform admins) only.</summary>
public static class PeopleApi
{
    public sealed record InviteBody(string? Email, Role? Role);
    public sealed record ChangeRoleBody(Role? Role);

    public static void AddPeople(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<PeopleOptions>().Bind(builder.Configuration.GetSection("People"))
            .Validate(o => o.InvitationLifetime > TimeSpan.Zero, "People:InvitationLifetime must be positive (e.g. 14.00:00:00).").ValidateOnStart();
        builder.Services.AddSingleton<InvitationBinder>();
    }

    public static void MapPeopleApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/organisations/{organisationId:guid}").WithTags("People").RequireAuthorization();

        api.MapGet("/people", async (Guid organisationId, IMediator mediator, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new GetPeople(organisationId), ct)))
            .WithName("GetPeople").WithSummary("The organisation's members with their roles, and its pending invitations.")
            .ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound);

        api.MapPost("/invitations", async Task<Created<InvitationView>> (Guid organisationId, InviteBody body, IMediator mediator, CancellationToken ct) =>
            {
                var invitation = await mediator.Send(new InvitePerson(organisationId, body.Email, body.Role), ct);
                return TypedResults.Created($"/api/v1/organisations/{organisationId}/invitations/{invitation.Id}", invitation);
            })
            .WithName("InvitePerson")
            .WithSummary("Invite a person by email with a role of the organisation's kind; it binds at their first sign-in from the organisation's Entra tenant.")
            .WithDescription("400: invalid email (the problem lists the field), missing role, or `role_mismatch`. 409: `already_member`, `already_invited`, `organisation_deactivated`.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);

        api.MapGet("/invitations/{invitationId:guid}", async (Guid organisationId, Guid invitationId, IMediator mediator, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new GetInvitation(organisationId, invitationId), ct)))
            .WithName("GetInvitation").WithSummary("One invitation and its state now: Pending, Accepted, Revoked or Expired.")
            .ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound);

        api.MapDelete("/invitations/{invitationId:guid}", async Task<NoContent> (Guid organisationId, Guid invitationId, IMediator mediator, CancellationToken ct) =>
            {
                await mediator.Send(new RevokeInvitation(organisationId, invitationId), ct);
                return TypedResults.NoContent();
            })
            .WithName("RevokeInvitation").WithSummary("Revoke a pending invitation (409 `invitation_accepted`, `invitation_revoked`, `invitation_expired`).")
            .ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);

        api.MapPut("/members/{membershipId:guid}/role", async (Guid organisationId, Guid membershipId, ChangeRoleBody body, IMediator mediator, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new ChangeMemberRole(organisationId, membershipId, body.Role), ct)))
            .WithName("ChangeMemberRole")
            .WithSummary("Give a member another role of the organisation; demoting the last admin is 409 `last_admin`.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);

        api.MapDelete("/members/{membershipId:guid}", async Task<NoContent> (Guid organisationId, Guid membershipId, IMediator mediator, CancellationToken ct) =>
            {
                await mediator.Send(new RemoveMember(organisationId, membershipId), ct);
                return TypedResults.NoContent();
            })
            .WithName("RemoveMember")
            .WithSummary("Takes one membership away; the person's cached access, status pages and open sockets lose it at once, on every instance. " +
                         "The last holder of the organisation's admin role cannot be removed (409 `last_admin`).")
            .ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);

        api.MapGet("/audit", async (Guid organisationId, [FromQuery] string? cursor, [FromQuery] int? limit, IMediator mediator, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new ListAuditEntries(organisationId, cursor, limit ?? 50), ct)))
            .WithName("ListAuditEntries").WithSummary("The organisation's audit log, newest first; follow `next` for older entries.")
            .Produces<AuditPage>()
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound);
    }
}
