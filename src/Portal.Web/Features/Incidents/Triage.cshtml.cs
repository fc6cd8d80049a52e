using FluentValidation;
using Mediator;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Primitives;
using Portal.Domain;
using Portal.Infrastructure.Auth;
using Severity = Portal.Domain.Severity;

namespace Portal.Features.Incidents;

/// <summary>
/// The MSP's triage queue across every tenant it manages: filters are plain GET parameters (bookmarkable,
/// shareable in a bridge call), the "New incident" form posts a CreateIncident and lands on the new incident, and the
/// new incidents ticked in the queue are acknowledged at once (an advisory's fan-out opens one per tenant, each on its clock).
/// </summary>
[Authorize]
public sealed class TriageModel(IMediator mediator, CurrentUser currentUser, TimeProvider clock, IValidator<CreateIncident> createValidator) : PortalPageModel
{
    public const int PageSize = 50;

    public sealed class NewIncidentInput
    {
        public Guid? TenantId { get; set; }
        public string? Title { get; set; }
        public Severity? Severity { get; set; }
        public string? CustomerSummary { get; set; }
    }

    [BindProperty(SupportsGet = true, Name = "tenant")]
    public Guid? Tenant { get; set; }

    [BindProperty(SupportsGet = true, Name = "status")]
    public IncidentStatus[] Statuses { get; set; } = [];

    [BindProperty(SupportsGet = true, Name = "severity")]
    public Severity[] Severities { get; set; } = [];

    /// <summary>"anyone" (default), "me" or "unassigned".</summary>
    [BindProperty(SupportsGet = true, Name = "assignee")]
    public string? Assignee { get; set; }

    [BindProperty(SupportsGet = true, Name = "q")]
    public string? Text { get; set; }

    /// <summary>"open" (default), "overdue" (open and past a target) or "all".</summary>
    [BindProperty(SupportsGet = true, Name = "show")]
    public string? Show { get; set; }

    [BindProperty(SupportsGet = true, Name = "p")]
    public int PageNumber { get; set; } = 1;

    [BindProperty]
    public NewIncidentInput New { get; set; } = new();

    /// <summary>The incidents ticked in the queue, for "Acknowledge ticked".</summary>
    [BindProperty]
    public Guid[] Selected { get; set; } = [];

    public IReadOnlyList<TenantGrant> Tenants { get; private set; } = [];

    public PageOf<IncidentView> Results { get; private set; } = new([], 1, PageSize, 0);

    public DateTimeOffset Now { get; } = clock.GetUtcNow();

    public bool OpenOnly => Show != "all";

    /// <summary>Only incidents past their acknowledgement or resolution target: what to look at first.</summary>
    public bool Overdue => Show == "overdue";

    /// <summary>What the list applies: open only, unless the user asked for resolved or closed incidents by status.</summary>
    public bool EffectiveOpenOnly { get; private set; } = true;

    public bool NewFormOpen => Response.StatusCode >= 400 || Request.Query.ContainsKey("new");

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        Tenants = await mediator.Send(new ListTriageTenants(), ct);
        if (!ModelState.IsValid)
        {
            ModelState.Clear();
            ShowNotice("A filter value was not understood and has been left out.");
        }
        await LoadAsync(ct);
        return Page();
    }

    public async Task<IActionResult> OnPostCreateAsync(CancellationToken ct)
    {
        Tenants = await mediator.Send(new ListTriageTenants(), ct);
        ModelState.Clear(); // the GET filters are not part of this form
        if (New.TenantId is not { } tenantId)
        {
            // Say everything that is missing at once, not one field per round trip.
            ModelState.AddModelError("New.TenantId", "Choose the tenant the incident is in.");
            var rest = await createValidator.ValidateAsync(new CreateIncident(Guid.Empty, New.Title, New.Severity, New.CustomerSummary), ct);
            foreach (var failure in rest.Errors) ModelState.AddModelError($"New.{failure.PropertyName}", failure.ErrorMessage);
            ShowInvalid();
        }
        else
        {
            try
            {
                var created = await mediator.Send(new CreateIncident(tenantId, New.Title, New.Severity, New.CustomerSummary), ct);
                FlashOnNextPage($"{created.Reference} opened. Acknowledge it when someone has picked it up.");
                return RedirectToPage("/Incidents/Detail", new { id = created.Id });
            }
            catch (Exception e) when (ShowProblem(e, "New"))
            {
            }
        }
        await LoadAsync(ct);
        return Page();
    }

    /// <summary>
    /// Acknowledges the ticked incidents: one <see cref="AcknowledgeIncident"/> each, exactly as from the incident's own page (its
    /// access check, its transaction, its timeline entry, live event and stopped clock), so one that is refused (acknowledged by
    /// someone else meanwhile, not yours) leaves the others acknowledged. The queue it returns to says which were and why any
    /// were not.
    /// </summary>
    public async Task<IActionResult> OnPostAcknowledgeAsync(CancellationToken ct)
    {
        Tenants = await mediator.Send(new ListTriageTenants(), ct); // who has no queue (a customer, a provider) is refused here, as on GET
        var ids = Selected.Distinct().ToList();
        if (ids.Count is 0 or > PageSize)
        {
            ModelState.Clear();
            if (ids.Count > PageSize) Response.StatusCode = StatusCodes.Status400BadRequest;
            ShowNotice(ids.Count == 0 ? "Tick the new incidents to acknowledge first." : $"At most {PageSize} incidents at once, a page of the queue.");
            await LoadAsync(ct);
            return Page();
        }
        var outcome = await AcknowledgeIncidents.RunAsync(mediator, ids, ct);
        List<string> acknowledged = [.. outcome.Acknowledged.Select(i => i.Reference)];
        List<string> refused = [.. outcome.Refused.Select(r => r.Detail ?? r.Title)];
        FlashOnNextPage(AcknowledgedSummary(acknowledged, refused));
        return Redirect(PageLink(PageNumber));
    }

    private static string AcknowledgedSummary(List<string> acknowledged, List<string> refused)
    {
        var done = acknowledged.Count switch
        {
            0 => "Nothing acknowledged.",
            1 => $"{acknowledged[0]} acknowledged.",
            _ => $"{acknowledged.Count} incidents acknowledged: {string.Join(", ", acknowledged)}.",
        };
        return refused.Count == 0 ? done : $"{done} {(refused.Count == 1 ? "One was not" : $"{refused.Count} were not")}: {string.Join(" ", refused)}";
    }

    /// <summary>A row the user may tick for "Acknowledge ticked": new, in a tenant where they work incidents.</summary>
    public bool CanAcknowledge(IncidentView incident) =>
        incident.Status == IncidentStatus.New && currentUser.Required.Has(Permission.WorkIncidents, incident.TenantId);

    /// <summary>Where the queue's form posts: this view of the queue (its filters and page) and the handler.</summary>
    public string AcknowledgeUrl
    {
        get
        {
            var url = PageLink(PageNumber);
            return url + (url.Contains('?') ? "&" : "?") + "handler=Acknowledge";
        }
    }

    private async Task LoadAsync(CancellationToken ct)
    {
        var me = currentUser.Required;
        if (Tenant is { } tenant && Tenants.All(t => t.TenantId != tenant))
        {
            // Says nothing about whether such a tenant exists: it is simply not one of yours.
            Tenant = null;
            ShowNotice("That tenant is not one you manage; showing all of yours.");
        }
        PageNumber = Math.Clamp(PageNumber, 1, ListIncidents.MaxPage);
        var statuses = Statuses.Where(Enum.IsDefined).Distinct().ToList();
        var severities = Severities.Where(Enum.IsDefined).Distinct().ToList();
        var text = string.IsNullOrWhiteSpace(Text) ? null : Text.Trim();
        // Ticking Resolved or Closed asks for them: "open only" would hide exactly what was asked for.
        EffectiveOpenOnly = OpenOnly && !statuses.Any(s => s is IncidentStatus.Resolved or IncidentStatus.Closed);
        bool? openOnly = EffectiveOpenOnly ? true : null;

        Guid? assigneeId = Assignee == "me" ? me.UserId : null;
        bool? unassigned = Assignee == "unassigned" ? true : null;
        bool? overdue = Overdue ? true : null;
        Results = await mediator.Send(new ListIncidents(Tenant, statuses, severities, assigneeId, openOnly, text, PageNumber, PageSize, unassigned, overdue), ct);
        if (Results.Items.Count == 0 && PageNumber > LastPage(Results.Total))
        {
            // A bookmarked page 3 of a queue that has since shrunk: show its last page instead of an empty one.
            PageNumber = LastPage(Results.Total);
            Results = await mediator.Send(new ListIncidents(Tenant, statuses, severities, assigneeId, openOnly, text, PageNumber, PageSize, unassigned, overdue), ct);
        }
    }

    public static int LastPage(int total) => Math.Max(1, (total + PageSize - 1) / PageSize);

    /// <summary>"true" for the aria-invalid attribute of a field of the New incident form that has an error, else nothing.</summary>
    public string? Invalid(string field) =>
        ModelState.TryGetValue($"New.{field}", out var entry) && entry.Errors.Count > 0 ? "true" : null;

    /// <summary>The current filters with another page number.</summary>
    public string PageLink(int pageNumber)
    {
        var query = Request.Query.Where(q => q.Key is not ("p" or "handler")).ToDictionary(q => q.Key, q => q.Value);
        if (pageNumber > 1) query["p"] = new StringValues(pageNumber.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return "/triage" + QueryString.Create(query).ToUriComponent();
    }
}
