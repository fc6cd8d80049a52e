using Mediator;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Portal.Domain;
using Portal.Features.Remediation;
using Portal.Infrastructure.Auth;

namespace Portal.Features.Incidents;

/// <summary>
/// One incident: its facts, its timeline and, for the managing MSP, the actions. Every changing form carries the
/// version it was rendered from, so an edit made on a stale page is refused (409) and the page reloads instead
/// of silently overwriting someone else's change.
/// </summary>
[Authorize]
public sealed class DetailModel(IMediator mediator, CurrentUser currentUser, TimeProvider clock) : PortalPageModel
{
    [BindProperty(SupportsGet = true)]
    public Guid Id { get; set; }

    /// <summary>The version the posted form was rendered from.</summary>
    [BindProperty]
    public long Version { get; set; }

    [BindProperty]
    public IncidentStatus? NewStatus { get; set; }

    [BindProperty]
    public string? CustomerMessage { get; set; }

    [BindProperty]
    public Severity? NewSeverity { get; set; }

    [BindProperty]
    public string? CustomerSummary { get; set; }

    [BindProperty]
    public Guid? AssigneeId { get; set; }

    [BindProperty]
    public string? NoteText { get; set; }

    [BindProperty]
    public NoteVisibility? NoteVisibility { get; set; }

    public IncidentView? Incident { get; private set; }

    public IReadOnlyList<TimelineEntryView> Timeline { get; private set; } = [];

    /// <summary>How many of the newest timeline entries the page shows unless asked for all (<c>?timeline=all</c>).</summary>
    public const int TimelineShown = 100;

    [BindProperty(SupportsGet = true, Name = "timeline")]
    public string? TimelineMode { get; set; }

    public bool ShowsWholeTimeline => TimelineMode == "all";

    /// <summary>
    /// live.js's refetch (<c>?part=live</c>): the live regions without the layout and without the comment form, i.e. without what is
    /// rendered for each person (their name, the antiforgery tokens). In an outage the customers of a large tenant keep this page
    /// open, and every one of them refetches it after each change.
    /// </summary>
    public bool RegionsOnly => AsksForLiveRegions && Incident is not null;

    /// <summary>From live.js: the last event number it saw on the incident's stream, so a customer is not served a view built before it.</summary>
    [BindProperty(SupportsGet = true, Name = "sequence")]
    public long? Sequence { get; set; }

    /// <summary>Older entries exist than the ones shown.</summary>
    public bool HasOlderEntries { get; private set; }

    /// <summary>What closing asks first (confirm.js): it is final, and it stops the device work still open.</summary>
    /// <summary>
    /// What moving to <paramref name="status"/> asks first, if anything (confirm.js: the chosen option's data-confirm): closing always
    /// (it is final); resolving while devices are still being worked on, since the customer's page then says Resolved beside
    /// "20 of 49 devices restored". Null asks nothing.
    /// </summary>
    public string? StatusQuestion(IncidentStatus status) => status switch
    {
        IncidentStatus.Closed => CloseQuestion,
        IncidentStatus.Resolved when Incident is { } i && Remediation is { Remaining: > 0 } work =>
            $"Resolve {i.Reference} with {Display.Count(work.Remaining)} {(work.Remaining == 1 ? "device" : "devices")} not finished? " +
            $"The customer's page will say Resolved beside {Display.Count(work.Done)} of {Display.Count(work.Affected)} devices restored; the tasks stay open to finish.",
        _ => null,
    };

    public string CloseQuestion => Incident is not { } i ? "" :
        $"Close {i.Reference}? A closed incident is the finished record: it cannot be reopened and nothing on it changes any more."
        + (Remediation is { Remaining: > 0 } work
            ? $" Its {Display.Count(work.Remaining)} unfinished device {(work.Remaining == 1 ? "task stops" : "tasks stop")} as {(work.Remaining == 1 ? "it is" : "they are")}: the RMM tool's updates and imports will be refused."
            : "");

    /// <summary>A customer's page: the remediation summaries left out of the newest entries (the progress line sums them up).</summary>
    public int DeviceUpdatesLeftOut { get; private set; }

    public IReadOnlyList<PersonRef> Engineers { get; private set; } = [];

    /// <summary>The advisory the incident was opened from (MSP only), with whether it has a runbook; null for an incident of the MSP's own.</summary>
    public Advisories.IncidentRunbookView? LinkedAdvisory { get; private set; }

    /// <summary>How the hands-on work stands (customers see it too); null for those who may not read it.</summary>
    public ProgressView? Remediation { get; private set; }

    /// <summary>The managing MSP: sees internal notes and may act on the incident.</summary>
    public bool CanWork { get; private set; }

    public bool CanComment { get; private set; }

    public DateTimeOffset Now { get; } = clock.GetUtcNow();

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        await LoadAsync(ct);
        return Page();
    }

    public Task<IActionResult> OnPostAcknowledgeAsync(CancellationToken ct) =>
        ChangeAsync("Acknowledge", async () => $"{(await mediator.Send(new AcknowledgeIncident(Id, Version), ct)).Reference} acknowledged.", ct);

    public Task<IActionResult> OnPostStatusAsync(CancellationToken ct) =>
        ChangeAsync("Status", async () =>
        {
            var incident = await mediator.Send(new ChangeIncidentStatus(Id, NewStatus, CustomerMessage, Version), ct);
            return $"{incident.Reference} is now {incident.Status}.";
        }, ct);

    /// <summary>A Sev3 that turns out to be a Sev1: the customer sees the change, and the escalation due times follow it.</summary>
    public Task<IActionResult> OnPostSeverityAsync(CancellationToken ct) =>
        ChangeAsync("Severity", async () =>
        {
            var incident = await mediator.Send(new ChangeIncidentSeverity(Id, NewSeverity, Version), ct);
            return $"{incident.Reference} is now {incident.Severity}.";
        }, ct);

    /// <summary>What the customer's status page says of the incident, rewritten as the picture changes (or removed).</summary>
    public Task<IActionResult> OnPostSummaryAsync(CancellationToken ct) =>
        ChangeAsync("Summary", async () =>
        {
            var incident = await mediator.Send(new ChangeCustomerSummary(Id, CustomerSummary, Version), ct);
            return incident.CustomerSummary is null ? $"{incident.Reference}: summary removed." : $"{incident.Reference}: summary saved; the customer's status page shows it.";
        }, ct);

    public Task<IActionResult> OnPostAssignAsync(CancellationToken ct) =>
        ChangeAsync("Assign", async () =>
        {
            var incident = await mediator.Send(new AssignIncident(Id, AssigneeId, Version), ct);
            return incident.Assignee is { } who ? $"{incident.Reference} assigned to {who.Name}." : $"{incident.Reference} is unassigned.";
        }, ct);

    /// <summary>
    /// Notes are appended, never edited: a note written on an older page overwrites nothing, so it is kept
    /// (AddIncidentNote takes no expected version). The customer's form only ever offers customer-visible
    /// comments, and the domain refuses an internal note from anyone but the managing MSP.
    /// </summary>
    public Task<IActionResult> OnPostNoteAsync(CancellationToken ct) =>
        ChangeAsync("Note", async () =>
        {
            var entry = await mediator.Send(new AddIncidentNote(Id, NoteText, NoteVisibility), ct);
            return entry.Visibility == Domain.NoteVisibility.Internal ? "Internal note added." : "Update added; the customer can read it.";
        }, ct);

    private Task<IActionResult> ChangeAsync(string form, Func<Task<string>> change, CancellationToken ct) => SubmitAsync(form, change, () => LoadAsync(ct), new { id = Id });

    private async Task LoadAsync(CancellationToken ct)
    {
        var me = currentUser.Required;
        // A foreign or missing incident throws here; the base page shows "not found" with a 404.
        if (me.FullAccessTenants.Count == 0 && !ShowsWholeTimeline)
        {
            // Someone who sees only the customer side of incidents: the view all the tenant's customers share (in an outage they keep
            // the incident the status page links to open, and all their pages refetch it after each change).
            var shared = await mediator.Send(new GetCustomerIncident(Id, Sequence), ct);
            Incident = shared.Incident;
            HasOlderEntries = shared.Newest.Count > TimelineShown;
            DeviceUpdatesLeftOut = shared.DeviceUpdates;
            Timeline = HasOlderEntries ? [.. shared.Newest.Skip(1)] : shared.Newest;
            if (me.Has(Permission.ReadRemediationProgress, Incident.TenantId)) Remediation = shared.Progress;
        }
        else
        {
            Incident = await mediator.Send(new GetIncident(Id), ct);
            if (ShowsWholeTimeline) Timeline = await mediator.Send(new GetIncidentTimeline(Id), ct);
            else
            {
                // One more than shown: whether older entries exist, without counting them.
                var newest = await mediator.Send(new GetIncidentTimeline(Id, TimelineShown + 1), ct);
                HasOlderEntries = newest.Count > TimelineShown;
                Timeline = HasOlderEntries ? [.. newest.Skip(1)] : newest;
            }
            if (me.Has(Permission.ReadRemediationProgress, Incident.TenantId)) Remediation = (await mediator.Send(new GetIncidentProgress(Id), ct)).Counts;
        }

        CanWork = me.AccessTo(Incident.TenantId) == TenantAccess.Msp && me.Has(Permission.WorkIncidents, Incident.TenantId);
        CanComment = me.Has(Permission.CommentOnIncidents, Incident.TenantId);
        if (CanWork) Engineers = await mediator.Send(new ListAssignableEngineers(Id), ct);
        // The provider's advisory an MSP's fan-out opened this from: its page and runbook are one click away (only the remediation
        // page named it). Not for a live refresh of the regions, which do not show it.
        if (CanWork && !AsksForLiveRegions && me.Has(Permission.WorkRemediation, Incident.TenantId))
            LinkedAdvisory = await mediator.Send(new Advisories.GetIncidentRunbook(Id), ct);

        // Forms always carry the version on screen, so a retry after "changed by someone else" is made against what the user now sees.
        Version = Incident.Version;
    }
}
