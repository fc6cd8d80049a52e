using Mediator;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Portal.Domain;
using Portal.Infrastructure.Auth;

namespace Portal.Features.Organisations;

/// <summary>
/// The provider services (and regions) a customer tenant uses — what advisories target. Its admin, or its MSP, lists, adds and removes
/// them with the API's own messages: a foreign tenant is the not-found page, a role without the permission the Forbidden page.
/// </summary>
[Authorize]
public sealed class SubscriptionsModel(IMediator mediator, CurrentUser currentUser) : PortalPageModel
{
    [BindProperty] public Guid? ServiceId { get; set; }
    [BindProperty] public string? Region { get; set; }

    public Guid TenantId { get; private set; }
    public string TenantName { get; private set; } = "";
    public IReadOnlyList<ServiceSubscriptionView> Subscriptions { get; private set; } = [];
    public IReadOnlyList<AvailableServiceView> Services { get; private set; } = [];

    public IReadOnlyList<string> ErrorsOf(string key) =>
        ModelState.TryGetValue(key, out var entry) ? [.. entry.Errors.Select(e => e.ErrorMessage)] : [];

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken ct)
    {
        await LoadAsync(id, ct);
        return Page();
    }

    public async Task<IActionResult> OnPostAddAsync(Guid id, CancellationToken ct)
    {
        try
        {
            var added = await mediator.Send(new AddServiceSubscription(id, ServiceId, string.IsNullOrWhiteSpace(Region) ? null : Region), ct);
            FlashOnNextPage($"{added.ServiceName}{(added.Region is { } r ? $" in {r}" : "")} added.");
            return RedirectToPage(new { id });
        }
        catch (Exception e) when (e is not NotPermittedException and not NotFoundException { What: "tenant" } && ShowProblem(e))
        {
            await LoadAsync(id, ct);
            return Page();
        }
    }

    public async Task<IActionResult> OnPostRemoveAsync(Guid id, Guid subscriptionId, CancellationToken ct)
    {
        try
        {
            await mediator.Send(new RemoveServiceSubscription(id, subscriptionId), ct);
            FlashOnNextPage("Service removed.");
            return RedirectToPage(new { id });
        }
        catch (Exception e) when (e is not NotPermittedException and not NotFoundException { What: "tenant" } && ShowProblem(e))
        {
            await LoadAsync(id, ct);
            return Page();
        }
    }

    private async Task LoadAsync(Guid id, CancellationToken ct)
    {
        TenantId = id;
        Subscriptions = await mediator.Send(new ListServiceSubscriptions(id), ct); // the access check: foreign → 404, not allowed → 403
        Services = await mediator.Send(new ListAvailableServices(), ct);
        TenantName = currentUser.Required.Tenants.TryGetValue(id, out var tenant) ? tenant.Name : "";
    }
}
