using Mediator;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Portal.Domain;
using Portal.Infrastructure.Auth;

namespace Portal.Features.Advisories;

/// <summary>
/// The advisories one may see and, for MSP people, the to-do list across their tenants: each targeted tenant not yet
/// acknowledged, acknowledged from here in one click. Everything goes through the API's messages.
/// </summary>
[Authorize]
public sealed class InboxModel(IMediator mediator, CurrentUser currentUser, TimeProvider clock) : PortalPageModel
{
    /// <summary>Show the acknowledged targets too, not only the to-do.</summary>
    [BindProperty(SupportsGet = true)]
    public bool All { get; set; }

    [BindProperty]
    public Guid AdvisoryId { get; set; }

    [BindProperty]
    public Guid TenantId { get; set; }

    public IReadOnlyList<AdvisorySummary> Advisories { get; private set; } = [];

    public IReadOnlyList<AdvisoryInboxItem> Items { get; private set; } = [];

    public bool IsMsp { get; private set; }

    public DateTimeOffset Now { get; } = clock.GetUtcNow();

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        await LoadAsync(ct);
        return Page();
    }

    public async Task<IActionResult> OnPostAcknowledgeAsync(CancellationToken ct)
    {
        try
        {
            var item = await mediator.Send(new AcknowledgeAdvisory(AdvisoryId, TenantId), ct);
            FlashOnNextPage($"{item.AdvisoryTitle}: acknowledged for {item.TenantName}.");
            return RedirectToPage(new { all = All ? "true" : null });
        }
        catch (Exception e) when (ShowProblem(e))
        {
        }
        await LoadAsync(ct);
        return Page();
    }

    private async Task LoadAsync(CancellationToken ct)
    {
        var me = currentUser.Required;
        IsMsp = me.Has(Permission.WorkAdvisories);
        if (me.Has(Permission.ReadAdvisories)) Advisories = (await mediator.Send(new ListAdvisories(Limit: 100), ct)).Items;
        if (IsMsp) Items = await mediator.Send(new ListAdvisoryInbox(Unacknowledged: !All), ct);
    }
}
