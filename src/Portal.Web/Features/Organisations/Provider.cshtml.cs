using Mediator;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Portal.Domain;
using Portal.Infrastructure.Auth;

namespace Portal.Features.Organisations;

/// <summary>
/// A provider's services and how many tenants subscribe to each, in which regions: counts, never names. Its publisher registers
/// a new service here (<see cref="RegisterService"/>), with the API's own message and refusals.
/// </summary>
[Authorize]
public sealed class ProviderModel(IMediator mediator, CurrentUser currentUser) : PortalPageModel
{
    [BindProperty] public string? Name { get; set; }
    [BindProperty] public ServiceKind? Kind { get; set; }

    public IReadOnlyList<ProviderServiceView> Services { get; private set; } = [];

    /// <summary>The provider whose services a publisher registers (people belong to one organisation; the first that allows it).</summary>
    public MembershipAccess? Publisher { get; private set; }

    public IReadOnlyList<string> ErrorsOf(string key) =>
        ModelState.TryGetValue(key, out var entry) ? [.. entry.Errors.Select(e => e.ErrorMessage)] : [];

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        await LoadAsync(ct);
        return Page();
    }

    public async Task<IActionResult> OnPostRegisterAsync(CancellationToken ct)
    {
        await LoadAsync(ct);
        if (Publisher is null) throw new NotPermittedException("Only a provider's publisher registers its services.");
        try
        {
            var service = await mediator.Send(new RegisterService(Publisher.OrganisationId, Name, Kind), ct);
            FlashOnNextPage($"{service.Name} registered: customers can now say they use it, and your advisories can name it.");
            return RedirectToPage();
        }
        catch (Exception e) when (e is not NotPermittedException && ShowProblem(e))
        {
            return Page();
        }
    }

    private async Task LoadAsync(CancellationToken ct)
    {
        Services = await mediator.Send(new GetProviderServices(), ct);
        Publisher = currentUser.Required.Memberships.FirstOrDefault(m =>
            m.Kind == OrganisationKind.Provider && RoleRules.Grants(m.Role, Permission.PublishAdvisories));
    }
}
