using Mediator;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Portal.Domain;
using Portal.Infrastructure.Auth;

namespace Portal.Features.Advisories;

/// <summary>
/// One advisory as its provider wrote it (content, runbook and updates as safe HTML) and, for MSP people, its targeted tenants they
/// manage: acknowledgement, add/remove a tenant, and the fan-out form (tenants, device filter, a preview, then submit).
/// </summary>
[Authorize]
public sealed class DetailModel(IMediator mediator, FanOutActions fanOut, CurrentUser currentUser, TimeProvider clock) : PortalPageModel
{
    [BindProperty(SupportsGet = true)]
    public Guid Id { get; set; }

    [BindProperty]
    public Guid TenantId { get; set; }

    /// <summary>The tenants ticked in the fan-out form.</summary>
    [BindProperty]
    public List<Guid> FanOutTenants { get; set; } = [];

    [BindProperty]
    public string? Os { get; set; }

    [BindProperty]
    public string? Tag { get; set; }

    [BindProperty]
    public string? Site { get; set; }

    public AdvisoryView? Advisory { get; private set; }

    /// <summary>The targets in the tenants the user's MSP manages.</summary>
    public IReadOnlyList<AdvisoryInboxItem> Tenants { get; private set; } = [];

    /// <summary>Managed tenants the advisory does not target (an MSP may add one).</summary>
    public IReadOnlyList<TenantGrant> Addable { get; private set; } = [];

    public FanOutResult? Preview { get; private set; }

    public bool IsMsp { get; private set; }

    public DateTimeOffset Now { get; } = clock.GetUtcNow();

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        await LoadAsync(ct);
        return Page();
    }

    public Task<IActionResult> OnPostAcknowledgeAsync(CancellationToken ct) =>
        ChangeAsync("Acknowledge", async () => $"Acknowledged for {(await mediator.Send(new AcknowledgeAdvisory(Id, TenantId), ct)).TenantName}.", ct);

    public Task<IActionResult> OnPostAddTenantAsync(CancellationToken ct) =>
        ChangeAsync("AddTenant", async () => $"{(await mediator.Send(new ChangeAdvisoryTarget(Id, TenantId, true), ct))!.TenantName} is now a target.", ct);

    public Task<IActionResult> OnPostRemoveTenantAsync(CancellationToken ct) =>
        ChangeAsync("RemoveTenant", async () =>
        {
            await mediator.Send(new ChangeAdvisoryTarget(Id, TenantId, false), ct);
            return $"{currentUser.Required.Tenants.GetValueOrDefault(TenantId)?.Name ?? "The tenant"} is no longer a target.";
        }, ct);

    /// <summary>What the fan-out would do, shown on the page with the form kept as filled in.</summary>
    public async Task<IActionResult> OnPostPreviewAsync(CancellationToken ct)
    {
        try
        {
            Preview = await mediator.Send(new PreviewAdvisoryFanOut(Id, ChosenTenants, Filter), ct);
        }
        catch (Exception e) when (ShowProblem(e, "FanOut"))
        {
        }
        await LoadAsync(ct);
        return Page();
    }

    public Task<IActionResult> OnPostFanOutAsync(CancellationToken ct) =>
        ChangeAsync("FanOut", async () =>
        {
            var result = await fanOut.FanOutAsync(new FanOutAdvisory(Id, ChosenTenants, Filter), ct);
            var opened = $"{Display.Count(result.IncidentsOpened)} linked {(result.IncidentsOpened == 1 ? "incident" : "incidents")} opened with {Display.Count(result.TasksCreated)} tasks" +
                (result.StillCreatingTasks ? " so far; the rest are being created in the background and appear on each incident as they are made" : "");
            var reopened = result.IncidentsReopened > 0 ? $"; {Display.Count(result.IncidentsReopened)} resolved before the advisory reopened moved back to Investigating" : "";
            return result.AlreadyLinked > 0 ? $"{opened}{reopened}; {result.AlreadyLinked} already had theirs." : $"{opened}{reopened}.";
        }, ct);

    /// <summary>None ticked is refused by the validator (name at least one), as the API does for an empty list.</summary>
    private IReadOnlyList<Guid> ChosenTenants => FanOutTenants;

    private DeviceFilter Filter => new(Os, Tag, Site);

    private Task<IActionResult> ChangeAsync(string form, Func<Task<string>> change, CancellationToken ct) => SubmitAsync(form, change, () => LoadAsync(ct), new { id = Id });

    private async Task LoadAsync(CancellationToken ct)
    {
        // A foreign or missing advisory throws here; the base page shows "not found" with a 404.
        Advisory = await mediator.Send(new GetAdvisory(Id), ct);
        var me = currentUser.Required;
        IsMsp = me.Has(Permission.WorkAdvisories);
        if (!IsMsp) return;
        Tenants = await mediator.Send(new ListAdvisoryInbox(AdvisoryId: Id), ct);
        var targeted = Tenants.Select(t => t.TenantId).ToHashSet();
        Addable = [.. me.Tenants.Values.Where(t => t.Access == TenantAccess.Msp && me.Has(Permission.WorkAdvisories, t.TenantId) && !targeted.Contains(t.TenantId))
            .OrderBy(t => t.Name, StringComparer.Ordinal)];
        if (Request.Method == "GET") FanOutTenants = [.. Tenants.Where(t => t.IncidentId is null).Select(t => t.TenantId)];
    }
}
