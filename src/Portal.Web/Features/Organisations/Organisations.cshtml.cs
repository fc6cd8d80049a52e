using Mediator;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace Portal.Features.Organisations;

/// <summary>The platform operator's list of organisations: names and counts only.</summary>
[Authorize]
public sealed class OrganisationsModel(IMediator mediator) : PortalPageModel
{
    public IReadOnlyList<OrganisationView> Organisations { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        Organisations = await mediator.Send(new ListOrganisations(), ct);
        return Page();
    }
}
