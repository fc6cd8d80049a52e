using Mediator;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Severity = Portal.Domain.Severity;

namespace Portal.Features.Notifications;

/// <summary>A customer tenant's email subscriptions (its CustomerAdmin): who gets email, for which severities and events.</summary>
[Authorize]
public sealed class EmailSubscriptionsPageModel(IMediator mediator) : PortalPageModel
{
    [FromRoute] public Guid TenantId { get; set; }

    [BindProperty] public Guid? UserId { get; set; }
    [BindProperty] public List<Severity> Severities { get; set; } = [];
    [BindProperty] public bool StatusChanges { get; set; } = true;
    [BindProperty] public bool CustomerUpdates { get; set; } = true;
    [BindProperty] public Guid? SubscriptionId { get; set; }

    /// <summary>A subscriber's "Change" link (<c>?user=</c>): the form starts from their current choices, so changing one keeps the others.</summary>
    [BindProperty(SupportsGet = true, Name = "user")] public Guid? ChangeUserId { get; set; }

    /// <summary>The subscription the form starts from; null for a new one (Sev1 and Sev2, everything).</summary>
    public EmailSubscriptionView? Editing { get; private set; }

    public IReadOnlyList<EmailSubscriptionView> Subscriptions { get; private set; } = [];
    public IReadOnlyList<TenantMemberView> Members { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        await LoadAsync(ct);
        return Page();
    }

    public async Task<IActionResult> OnPostSetAsync(CancellationToken ct)
    {
        try
        {
            var saved = await mediator.Send(new SetEmailSubscription(TenantId, UserId, [.. Severities], StatusChanges, CustomerUpdates), ct);
            FlashOnNextPage($"{saved.Name} gets email for {string.Join(", ", saved.Severities.Select(Display.SeverityWord))}.");
            return RedirectToPage();
        }
        catch (Exception e) when (ShowProblem(e))
        {
            await LoadAsync(ct);
            return Page();
        }
    }

    public async Task<IActionResult> OnPostRemoveAsync(CancellationToken ct)
    {
        if (SubscriptionId is { } id) await mediator.Send(new DeleteEmailSubscription(TenantId, id), ct);
        FlashOnNextPage("Subscription removed.");
        return RedirectToPage();
    }

    private async Task LoadAsync(CancellationToken ct)
    {
        Subscriptions = await mediator.Send(new ListEmailSubscriptions(TenantId), ct);
        Members = await mediator.Send(new ListTenantMembers(TenantId), ct);
        Editing = ChangeUserId is { } user ? Subscriptions.FirstOrDefault(s => s.UserId == user) : null;
    }
}
