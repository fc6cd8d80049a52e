using Mediator;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Html;
using Microsoft.AspNetCore.Mvc;
using Portal.Domain;
using Portal.Features.Organisations;
using Portal.Infrastructure.Auth;
using Portal.Infrastructure.Text;
using Severity = Portal.Domain.Severity;

namespace Portal.Features.Advisories;

/// <summary>
/// Writing an advisory (NewAdvisory.cshtml at /provider/advisories/new) or a new revision of one (AdvisoryEditor.cshtml at
/// /provider/advisories/{id}/edit), for the provider's publishers. "Preview" renders the runbook on the server through the same
/// safe Markdown the readers get and keeps everything typed; "Publish"/"Save" sends PublishAdvisory or EditAdvisory. An edit
/// carries the version it was rendered from (a stale one is refused, nothing overwritten).
/// </summary>
[Authorize]
public sealed class AdvisoryEditorModel(IMediator mediator, CurrentUser currentUser, SafeMarkdown markdown) : PortalPageModel
{
    [BindProperty(SupportsGet = true)]
    public Guid? Id { get; set; }

    [BindProperty] public string? Title { get; set; }
    [BindProperty] public Severity? Severity { get; set; }
    [BindProperty] public string? Impact { get; set; }
    [BindProperty] public string? Runbook { get; set; }
    [BindProperty] public List<Guid> ServiceIds { get; set; } = [];

    /// <summary>Regions as typed: separated by commas, spaces or lines; empty for every region.</summary>
    [BindProperty] public string? Regions { get; set; }

    /// <summary>The status when publishing (an edit keeps it: status changes are updates).</summary>
    [BindProperty] public AdvisoryStatus? Status { get; set; }

    [BindProperty] public long Version { get; set; }

    public bool IsNew => Id is null;

    /// <summary>The advisory being edited, as stored.</summary>
    public AdvisoryView? Advisory { get; private set; }

    public Guid ProviderId { get; private set; }

    public string ProviderName { get; private set; } = "";

    public IReadOnlyList<ProviderServiceView> Services { get; private set; } = [];

    public IHtmlContent? Preview { get; private set; }

    /// <summary>
    /// What the editor had typed when someone else saved first (field, text), for the fields where it differs from the revision
    /// now shown: the form shows that revision, as the banner says, and these stay on the page to copy from. Saving the form as it
    /// was would have overwritten the other revision without a word.
    /// </summary>
    public IReadOnlyList<(string Field, string Text)> UnsavedEdits { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        if (!await LoadAsync(ct)) return Forbid();
        if (Advisory is { } a)
        {
            Show(a);
        }
        else
        {
            Severity = Domain.Severity.Sev2;
            Status = AdvisoryStatus.Investigating;
        }
        return Page();
    }

    public async Task<IActionResult> OnPostPreviewAsync(CancellationToken ct)
    {
        if (!await LoadAsync(ct)) return Forbid();
        ModelState.Clear(); // a preview is not a save: nothing is refused yet
        Preview = markdown.Render(Runbook);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        if (!await LoadAsync(ct)) return Forbid();
        try
        {
            var regions = RegionList(Regions);
            var saved = Id is { } id
                ? await mediator.Send(new EditAdvisory(id, Title, Severity, Impact, Runbook, ServiceIds, regions, Version), ct)
                : await mediator.Send(new PublishAdvisory(ProviderId, Title, Severity, Impact, Runbook, ServiceIds, regions, Status), ct);
            var reach = (await mediator.Send(new GetAdvisoryImpact(saved.Id), ct)).Totals.TenantsTargeted;
            FlashOnNextPage((Id is null ? $"Published: {saved.Title}. " : $"Saved revision {saved.Revision} of {saved.Title}. ") + Reach(reach, UnknownRegions(saved)));
            return Redirect($"/provider/advisories/{saved.Id}");
        }
        catch (Exception e) when (ShowProblem(e))
        {
            if (Id is not null && Advisory is { } current && e is StaleVersionException) ShowCurrentKeepingMine(current);
            return Page();
        }
    }

    private void Show(AdvisoryView a)
    {
        Title = a.Title;
        Severity = a.Severity;
        Impact = a.Impact;
        Runbook = a.Runbook;
        ServiceIds = [.. a.Services.Select(s => s.Id)];
        Regions = string.Join(", ", a.Regions);
        Version = a.Version;
    }

    private void ShowCurrentKeepingMine(AdvisoryView current)
    {
        var mine = new List<(string, string)>();
        if (Title != current.Title) mine.Add(("Title", Title ?? ""));
        if (Severity != current.Severity) mine.Add(("Severity", Severity?.ToString() ?? ""));
        if (Impact != current.Impact) mine.Add(("Impact", Impact ?? ""));
        if ((Runbook ?? "") != (current.Runbook ?? "")) mine.Add(("Runbook", Runbook ?? ""));
        var services = Services.Where(s => ServiceIds.Contains(s.Id)).Select(s => s.Name).Order().ToList();
        if (!services.SequenceEqual(current.Services.Select(s => s.Name).Order())) mine.Add(("Services", string.Join(", ", services)));
        if (!RegionList(Regions).SequenceEqual(current.Regions, StringComparer.OrdinalIgnoreCase)) mine.Add(("Regions", Regions ?? ""));
        UnsavedEdits = mine;
        Show(current);
        ModelState.Clear(); // the form shows the values just set, not what was posted
    }

    /// <summary>
    /// How many tenants the advisory reaches, said at once, and which of its regions no subscriber of its services uses: a region
    /// typed wrong at 3 a.m. ("westeurpoe") matches no subscription, and the tenants in that region would otherwise not be
    /// reached without a word (those subscribed without a region still are, so the count alone does not show it).
    /// </summary>
    private static string Reach(int tenants, List<string> unknownRegions)
    {
        var reach = tenants switch
        {
            0 => "It reaches no tenant.",
            1 => "It reaches 1 tenant.",
            _ => $"It reaches {Display.Count(tenants)} tenants.",
        };
        return unknownRegions.Count == 0 ? reach
            : $"{reach} No customer subscribes to these services in {string.Join(", ", unknownRegions)}: check the spelling.";
    }

    /// <summary>The advisory's regions that none of its services' subscriptions names (the services as this page loaded them).</summary>
    private List<string> UnknownRegions(AdvisoryView saved)
    {
        var used = Services.Where(s => saved.Services.Any(a => a.Id == s.Id)).SelectMany(s => s.Regions).ToHashSet(StringComparer.OrdinalIgnoreCase);
        return [.. saved.Regions.Where(r => !used.Contains(r))];
    }

    /// <summary>The messages for one field, whatever case the validator named it in.</summary>
    public IEnumerable<string> ErrorsOf(string field) => ModelState
        .Where(e => string.Equals(e.Key, field, StringComparison.OrdinalIgnoreCase))
        .SelectMany(e => e.Value!.Errors.Select(x => x.ErrorMessage));

    public static IReadOnlyList<string> RegionList(string? regions) =>
        (regions ?? "").Split([',', ' ', '\n', '\r', '\t', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>
    /// Which provider, which services, and whether the user may publish there: false refuses the page (a viewer reads the
    /// dashboard, it gets no form). A missing or foreign advisory throws NotFound here, which the base page shows as 404.
    /// </summary>
    private async Task<bool> LoadAsync(CancellationToken ct)
    {
        var me = currentUser.Required;
        if (Id is { } id)
        {
            Advisory = await mediator.Send(new GetAdvisory(id), ct);
            ProviderId = Advisory.ProviderId;
            ProviderName = Advisory.ProviderName;
        }
        else
        {
            var membership = me.Memberships.FirstOrDefault(m => m.Kind == OrganisationKind.Provider && me.HasIn(Permission.PublishAdvisories, m.OrganisationId));
            if (membership is null) return false;
            ProviderId = membership.OrganisationId;
            ProviderName = membership.OrganisationName;
        }
        if (!me.HasIn(Permission.PublishAdvisories, ProviderId)) return false;
        Services = [.. (await mediator.Send(new GetProviderServices(), ct)).Where(s => s.ProviderName == ProviderName)];
        return true;
    }
}
