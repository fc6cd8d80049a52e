using Mediator;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Portal.Domain;

namespace Portal.Features.Organisations;

/// <summary>
/// The platform operator's administration of organisations: list, create, rename, bind the Entra tenant, change a customer's
/// prefix, deactivate and reactivate. Each form sends the API's command; refusals show as the API's problem in the banner.
/// </summary>
[Authorize]
public sealed class AdminOrganisationsModel(IMediator mediator) : PortalPageModel
{
    public sealed class CreateInput
    {
        public string? Name { get; set; }
        public OrganisationKind? Kind { get; set; }
        public string? EntraTenantId { get; set; }
        public string? IncidentPrefix { get; set; }
    }

    [BindProperty] public CreateInput Create { get; set; } = new();

    public IReadOnlyList<OrganisationView> Organisations { get; private set; } = [];

    public static readonly OrganisationKind[] CreatableKinds = [OrganisationKind.Provider, OrganisationKind.Msp, OrganisationKind.Customer];

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        Organisations = await mediator.Send(new ListOrganisations(), ct);
        return Page();
    }

    public async Task<IActionResult> OnPostCreateAsync(CancellationToken ct)
    {
        Guid? tenant = null;
        if (!string.IsNullOrWhiteSpace(Create.EntraTenantId))
        {
            if (Guid.TryParse(Create.EntraTenantId, out var parsed)) tenant = parsed;
            else ModelState.AddModelError("Create.EntraTenantId", "The Entra tenant id is a GUID, e.g. 72f988bf-86f1-41af-91ab-2d7cd011db47.");
        }
        if (ModelState.ErrorCount == 0)
        {
            try
            {
                var prefix = string.IsNullOrWhiteSpace(Create.IncidentPrefix) ? null : Create.IncidentPrefix.Trim();
                var created = await mediator.Send(new CreateOrganisation(Create.Name, Create.Kind, tenant, prefix), ct);
                FlashOnNextPage($"Created {created.Name}. Invite its first admin on its people page.");
                return RedirectToPage();
            }
            catch (Exception e) when (ShowProblem(e, nameof(Create)))
            {
            }
        }
        else
        {
            ShowInvalid();
        }
        Organisations = await mediator.Send(new ListOrganisations(), ct);
        return Page();
    }

    public Task<IActionResult> OnPostRenameAsync(Guid organisationId, string? name, CancellationToken ct) =>
        RunAsync(() => mediator.Send(new RenameOrganisation(organisationId, name), ct), o => $"Renamed to {o.Name}.", ct);

    public Task<IActionResult> OnPostBindAsync(Guid organisationId, string? entraTenantId, CancellationToken ct) =>
        RunAsync(() => mediator.Send(new BindEntraTenant(organisationId, Guid.TryParse(entraTenantId, out var t) ? t : null), ct),
            o => $"{o.Name} is bound to Entra tenant {o.EntraTenantId}.", ct);

    public Task<IActionResult> OnPostPrefixAsync(Guid organisationId, string? incidentPrefix, CancellationToken ct) =>
        RunAsync(() => mediator.Send(new ChangeIncidentPrefix(organisationId, incidentPrefix?.Trim()), ct), o => $"{o.Name} numbers its incidents {o.IncidentPrefix}-….", ct);

    public Task<IActionResult> OnPostDeactivateAsync(Guid organisationId, CancellationToken ct) =>
        RunAsync(() => mediator.Send(new DeactivateOrganisation(organisationId), ct), o => $"{o.Name} is deactivated: its people have no access; its records are kept.", ct);

    public Task<IActionResult> OnPostReactivateAsync(Guid organisationId, CancellationToken ct) =>
        RunAsync(() => mediator.Send(new ReactivateOrganisation(organisationId), ct), o => $"{o.Name} is active again.", ct);

    private async Task<IActionResult> RunAsync(Func<ValueTask<OrganisationAdminView>> command, Func<OrganisationAdminView, string> done, CancellationToken ct)
    {
        try
        {
            FlashOnNextPage(done(await command()));
            return RedirectToPage();
        }
        catch (Exception e) when (ShowProblem(e))
        {
        }
        Organisations = await mediator.Send(new ListOrganisations(), ct);
        return Page();
    }
}
