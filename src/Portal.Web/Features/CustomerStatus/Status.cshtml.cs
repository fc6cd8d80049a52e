using Mediator;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OutputCaching;
using Portal.Domain;
using Portal.Infrastructure.Auth;

namespace Portal.Features.CustomerStatus;

/// <summary>
/// The customer's status page, and what an MSP sees when it looks through the customer's eyes. It renders only the
/// cached customer-visible snapshot (<see cref="GetCustomerStatus"/>): no query of its own, no internal data. Its
/// rendered HTML is output-cached per user and evicted on change (<see cref="StatusPageCachePolicy"/>), because it is
/// the page everyone refreshes during an outage. A foreign tenant answers exactly like a missing one.
/// </summary>
[Authorize]
[OutputCache(PolicyName = StatusPageCachePolicy.Name)]
public sealed class StatusModel(IMediator mediator, CurrentUser currentUser, TimeProvider clock) : PortalPageModel
{
    public CustomerStatusView? View { get; private set; }

    /// <summary>Identifies the snapshot: the rendered incident list is cached per snapshot (see the page).</summary>
    public string? ETag { get; private set; }

    /// <summary>Set instead of <see cref="View"/> when the user reaches several tenants and named none.</summary>
    public IReadOnlyList<TenantGrant> Choices { get; private set; } = [];

    public bool LooksThroughCustomerEyes { get; private set; }

    /// <summary>The tenant's admin is linked to who gets email about its incidents (outside the shared cached markup).</summary>
    public bool MayManageEmail { get; private set; }

    public DateTimeOffset Now { get; } = clock.GetUtcNow();

    /// <summary>
    /// live.js's refetch (<c>?part=live</c>): only the live region, without the layout. After a change every open status page
    /// refetches at once, each for a different person; the whole page was rendered for each of them (the output cache keeps
    /// pages per user, and the change dropped them all), the region alone is the snapshot's markup everyone shares.
    /// </summary>
    public bool RegionsOnly { get; private set; }

    /// <param name="sequence">From live.js: the last event number it saw on the tenant's stream, so a snapshot built before it is not served.</param>
    public async Task<IActionResult> OnGetAsync(Guid? tenantId, long? sequence, CancellationToken ct)
    {
        if (tenantId is null)
        {
            var reachable = await mediator.Send(new ListStatusTenants(), ct);
            if (reachable.Count > 1)
            {
                Choices = reachable;
                return Page();
            }
            tenantId = reachable[0].TenantId;
        }

        var snapshot = await mediator.Send(new GetCustomerStatus(tenantId.Value, sequence), ct);
        View = snapshot.View;
        ETag = snapshot.ETag;
        RegionsOnly = AsksForLiveRegions;
        if (RegionsOnly) return Page();
        LooksThroughCustomerEyes = currentUser.Required.AccessTo(tenantId.Value) == TenantAccess.Msp;
        MayManageEmail = currentUser.Required.Has(Permission.ManageEmailSubscriptions, tenantId.Value);
        return Page();
    }
}
