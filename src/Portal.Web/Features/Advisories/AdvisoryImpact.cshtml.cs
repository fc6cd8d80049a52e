using Mediator;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Portal.Domain;
using Portal.Infrastructure.Auth;

namespace Portal.Features.Advisories;

/// <summary>
/// One advisory as its provider follows it: the aggregate counts and burn-down (GetAdvisoryImpact, numbers only), the content and
/// its updates, and for a publisher the form that posts the next update. Refused to anyone outside the advisory's provider.
/// </summary>
[Authorize]
public sealed class AdvisoryImpactModel(IMediator mediator, CurrentUser currentUser, TimeProvider clock) : PortalPageModel
{
    [BindProperty(SupportsGet = true)]
    public Guid Id { get; set; }

    [BindProperty] public AdvisoryStatus? UpdateStatus { get; set; }
    [BindProperty] public string? UpdateText { get; set; }

    public AdvisoryImpactView? Impact { get; private set; }
    public AdvisoryView? Advisory { get; private set; }
    public bool CanPublish { get; private set; }
    public DateTimeOffset Now { get; } = clock.GetUtcNow();

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        await LoadAsync(ct);
        UpdateStatus = Advisory!.Status;
        return Page();
    }

    public async Task<IActionResult> OnPostUpdateAsync(CancellationToken ct)
    {
        try
        {
            var advisory = await mediator.Send(new PostAdvisoryUpdate(Id, UpdateStatus, UpdateText), ct);
            FlashOnNextPage($"Update {advisory.Updates[^1].Number} posted; it reaches every linked incident.");
            return Redirect($"/provider/advisories/{Id}");
        }
        catch (Exception e) when (ShowProblem(e, "Update"))
        {
        }
        await LoadAsync(ct);
        return Page();
    }

    /// <summary>The validation messages of the update form (keyed "Update.Field").</summary>
    public IEnumerable<string> ErrorsOf(string field) => ModelState
        .Where(e => string.Equals(e.Key, $"Update.{field}", StringComparison.OrdinalIgnoreCase))
        .SelectMany(e => e.Value!.Errors.Select(x => x.ErrorMessage));

    private async Task LoadAsync(CancellationToken ct)
    {
        // The impact first: it needs a provider role in the advisory's own provider (else 403, or 404 when not visible at all).
        Impact = await mediator.Send(new GetAdvisoryImpact(Id), ct);
        Advisory = await mediator.Send(new GetAdvisory(Id), ct);
        CanPublish = currentUser.Required.HasIn(Permission.PublishAdvisories, Advisory.ProviderId);
    }
}
