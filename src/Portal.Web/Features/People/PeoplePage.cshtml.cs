using Mediator;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Portal.Domain;

namespace Portal.Features.People;

/// <summary>
/// An organisation's people for its admins (a platform admin for every organisation): members and roles, pending invitations,
/// the invite form, role changes and the audit log. Every action sends the API's message, so access and refusals are the same:
/// another organisation's id is the not-found page, a member without the permission the Forbidden page.
/// </summary>
[Authorize]
public sealed class PeoplePageModel(IMediator mediator) : PortalPageModel
{
    public sealed class InviteInput
    {
        public string? Email { get; set; }
        public Role? Role { get; set; }
    }

    [BindProperty(SupportsGet = true)] public Guid OrganisationId { get; set; }
    [BindProperty] public InviteInput Invite { get; set; } = new();
    [BindProperty(SupportsGet = true)] public string? AuditCursor { get; set; }

    public PeopleView? People { get; private set; }
    public AuditPage Audit { get; private set; } = new([], null);

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        await LoadAsync(ct);
        return Page();
    }

    public async Task<IActionResult> OnPostInviteAsync(CancellationToken ct)
    {
        try
        {
            var invitation = await mediator.Send(new InvitePerson(OrganisationId, Invite.Email, Invite.Role), ct);
            FlashOnNextPage(invitation.State == InvitationState.Accepted
                ? $"{invitation.Email} already signs in to Portal from the organisation's Entra tenant: they are {Display.Role(invitation.Role)} now."
                : $"Invited {invitation.Email} as {Display.Role(invitation.Role)}. The invitation binds when they first sign in from the organisation's Entra tenant.");
            return RedirectToPage(new { OrganisationId });
        }
        catch (Exception e) when (ShowProblem(e, nameof(Invite)))
        {
        }
        await LoadAsync(ct);
        return Page();
    }

    public async Task<IActionResult> OnPostRevokeAsync(Guid invitationId, CancellationToken ct)
    {
        try
        {
            await mediator.Send(new RevokeInvitation(OrganisationId, invitationId), ct);
            FlashOnNextPage("Invitation revoked.");
            return RedirectToPage(new { OrganisationId });
        }
        catch (Exception e) when (ShowProblem(e))
        {
        }
        await LoadAsync(ct);
        return Page();
    }

    public async Task<IActionResult> OnPostRoleAsync(Guid membershipId, Role? role, CancellationToken ct)
    {
        try
        {
            var member = await mediator.Send(new ChangeMemberRole(OrganisationId, membershipId, role), ct);
            FlashOnNextPage($"{member.Name} is now {Display.Role(member.Role)}.");
            return RedirectToPage(new { OrganisationId });
        }
        catch (Exception e) when (ShowProblem(e))
        {
        }
        await LoadAsync(ct);
        return Page();
    }

    public async Task<IActionResult> OnPostRemoveAsync(Guid membershipId, CancellationToken ct)
    {
        try
        {
            await mediator.Send(new RemoveMember(OrganisationId, membershipId), ct);
            FlashOnNextPage("Removed. Their access ended at once, on every open page and connection.");
            return RedirectToPage(new { OrganisationId });
        }
        catch (Exception e) when (ShowProblem(e))
        {
        }
        await LoadAsync(ct);
        return Page();
    }

    private async Task LoadAsync(CancellationToken ct)
    {
        People = await mediator.Send(new GetPeople(OrganisationId), ct);
        Audit = await mediator.Send(new ListAuditEntries(OrganisationId, AuditCursor, 25), ct);
    }
}
