using Mediator;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Portal.Domain;
using Portal.Features.Incidents;
using Portal.Infrastructure.Auth;
using Portal.Infrastructure.RateLimiting;

namespace Portal.Features.Remediation;

/// <summary>
/// The remediation work of one incident, for its managing MSP: progress and burn-down, the task table (filtered, keyset-paged),
/// many tasks set to a state at once, the task list as CSV. Everything goes through the same messages as the API.
/// </summary>
[Authorize]
[TighterRateLimit(RateLimitingSetup.UploadsBudget, Handler = "Import")]
[TighterRateLimit(RateLimitingSetup.BulkUpdatesBudget, Handler = "SetState")]
public sealed class TasksModel(IMediator mediator, CurrentUser currentUser, TimeProvider clock, IOptions<DeviceImportOptions> importOptions) : PortalPageModel
{
    public const int PageSize = 100;

    [BindProperty(SupportsGet = true)]
    public Guid Id { get; set; }

    [BindProperty(SupportsGet = true, Name = "state")]
    public RemediationState[]? States { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Site { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Tag { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Q { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Cursor { get; set; }

    /// <summary>Only the tasks assigned to the signed-in engineer.</summary>
    [BindProperty(SupportsGet = true)]
    public bool Mine { get; set; }

    /// <summary>The import the page follows (after an upload), else the incident's latest.</summary>
    [BindProperty(SupportsGet = true, Name = "import")]
    public Guid? ImportId { get; set; }

    /// <summary>The tasks ticked in the table.</summary>
    [BindProperty]
    public List<Guid> Selected { get; set; } = [];

    /// <summary>Each listed task's version as the page showed it: a ticked task someone changed since is left alone (stale_version).</summary>
    [BindProperty]
    public Dictionary<Guid, long> Versions { get; set; } = [];

    [BindProperty]
    public RemediationState? NewState { get; set; }

    [BindProperty]
    public string? Reason { get; set; }

    /// <summary>The title of a task that is not for a device (rotate the recovery keys, call the vendor).</summary>
    [BindProperty]
    public string? NewTaskTitle { get; set; }

    public IncidentView? Incident { get; private set; }

    public IncidentProgressView? Progress { get; private set; }

    public BurnDownView BurnDown { get; private set; } = new([]);

    public DeviceImportView? Import { get; private set; }

    /// <summary>The runbook of the advisory the incident was opened from (safe HTML): the steps its tasks follow; null otherwise.</summary>
    public Advisories.IncidentRunbookView? Runbook { get; private set; }

    /// <summary>The upload limit, said beside the file field.</summary>
    public long MaxUploadBytes { get; } = importOptions.Value.MaxBytes;

    public KeysetPage<TaskView> Tasks { get; private set; } = new([], null);

    public DateTimeOffset Now { get; } = clock.GetUtcNow();

    public bool Filtered => States is { Length: > 0 } || !string.IsNullOrWhiteSpace(Site) || !string.IsNullOrWhiteSpace(Tag) || !string.IsNullOrWhiteSpace(Q) || Mine;

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        await LoadAsync(ct);
        return Page();
    }

    /// <summary>The whole task list as CSV (the API's export, with the page's cookie).</summary>
    public async Task<IActionResult> OnGetExportAsync(CancellationToken ct)
    {
        var export = await mediator.Send(new ExportTasks(Id), ct);
        Response.ContentType = "text/csv; charset=utf-8";
        Response.Headers.ContentDisposition = $"attachment; filename=\"{export.FileName}\"";
        await TaskCsv.WriteAsync(Response.Body, export.Rows, ct);
        return new EmptyResult(); // the body is written; no page after it
    }

    /// <summary>
    /// A CSV of affected devices, received as the API receives it (<see cref="DeviceImportUpload"/>). The page's script sends the
    /// file itself as the body (text/csv, antiforgery token in the header) so it streams to disk under the import's limits and
    /// answers JSON; without script the browser posts the form and the framework has received the file first.
    /// </summary>
    public async Task<IActionResult> OnPostImportAsync([FromServices] DeviceImportUpload upload, CancellationToken ct)
    {
        var wantsJson = Request.Headers.Accept.ToString().Contains("application/json", StringComparison.OrdinalIgnoreCase);
        try
        {
            DeviceImportView import;
            if (Request.HasFormContentType)
            {
                var file = (await Request.ReadFormAsync(ct)).Files["file"]
                    ?? throw DeviceFileColumns.Refused("missing_file", "Choose a CSV file to import.");
                import = await upload.ReceiveAsync(Id, file, ct);
            }
            else
            {
                import = await upload.ReceiveAsync(Id, HttpContext, ct);
            }
            ImportId = import.Id;
            var next = ViewUrl(null);
            FlashOnNextPage($"Importing {import.FileName}: the progress shows below.");
            return wantsJson ? new JsonResult(new { location = next }) : Redirect(next);
        }
        catch (DeviceFileRefusedException refused)
        {
            if (wantsJson)
                return new ObjectResult(new ProblemDetails { Status = refused.Status, Title = refused.Title, Detail = refused.Message, Extensions = { ["code"] = refused.Code } }) { StatusCode = refused.Status };
            ModelState.AddModelError("Import.File", $"{refused.Title}: {refused.Message}");
            ShowInvalid();
            Response.StatusCode = refused.Status;
        }
        await LoadAsync(ct);
        return Page();
    }

    /// <summary>Stops the import the page shows: the same command as <c>POST /device-imports/{id}/cancel</c>.</summary>
    public async Task<IActionResult> OnPostCancelImportAsync(CancellationToken ct)
    {
        try
        {
            var import = await mediator.Send(new CancelDeviceImport(ImportId ?? Guid.Empty), ct);
            FlashOnNextPage($"Cancelled the import of {import.FileName}: {Display.Count((int)import.TasksCreated)} {(import.TasksCreated == 1 ? "task it created stays" : "tasks it created stay")}.");
            return Redirect(ViewUrl(Cursor));
        }
        catch (Exception e) when (ShowProblem(e, "CancelImport"))
        {
        }
        await LoadAsync(ct);
        return Page();
    }

    /// <summary>The lines an import did not take, and why (the API's report, with the page's cookie).</summary>
    public async Task<IActionResult> OnGetImportErrorsAsync(CancellationToken ct)
    {
        var report = await mediator.Send(new GetDeviceImportErrors(ImportId ?? Guid.Empty), ct);
        Response.ContentType = "text/csv; charset=utf-8";
        Response.Headers.ContentDisposition = new Microsoft.Net.Http.Headers.ContentDispositionHeaderValue("attachment") { FileNameStar = report.DownloadName }.ToString();
        await report.WriteCsvAsync(Response.Body, ct);
        return new EmptyResult();
    }

    /// <summary>Select many → one state: the same bulk command an RMM script sends, by task id.</summary>
    public async Task<IActionResult> OnPostSetStateAsync(CancellationToken ct)
    {
        if (Selected.Count == 0)
        {
            ModelState.AddModelError("SetState.Selected", "Tick the tasks to change first.");
            ShowInvalid();
        }
        else
        {
            try
            {
                var result = await mediator.Send(new BulkChangeTaskState(Id, NewState, Reason, [.. Selected.Select(id => new BulkItem(null, id, Versions.TryGetValue(id, out var v) ? v : null))], null), ct);
                FlashOnNextPage(Summary(result));
                return Redirect(ViewUrl(Cursor));
            }
            catch (Exception e) when (ShowProblem(e, "SetState"))
            {
            }
        }
        await LoadAsync(ct);
        return Page();
    }

    /// <summary>A task of its own, not for a device: the same command as <c>POST /incidents/{id}/tasks</c> with a title.</summary>
    public async Task<IActionResult> OnPostAddTaskAsync(CancellationToken ct)
    {
        try
        {
            var task = await mediator.Send(new CreateTask(Id, null, NewTaskTitle), ct);
            FlashOnNextPage($"Task added: {task.Title}.");
            return Redirect(ViewUrl(Cursor));
        }
        catch (Exception e) when (ShowProblem(e, "AddTask"))
        {
        }
        await LoadAsync(ct);
        return Page();
    }

    private static string Summary(BulkResult r)
    {
        var parts = new List<string> { $"{Display.Count(r.Updated)} {(r.Updated == 1 ? "task" : "tasks")} set to {Words.State(r.State)}" };
        if (r.Unchanged > 0) parts.Add($"{Display.Count(r.Unchanged)} already were");
        if (r.NotAllowed > 0) parts.Add($"{Display.Count(r.NotAllowed)} cannot go there from their state ({Named(r, BulkOutcome.NotAllowed)})");
        if (r.NotFound > 0) parts.Add($"{Display.Count(r.NotFound)} not found");
        if (r.StaleVersion > 0) parts.Add($"{Display.Count(r.StaleVersion)} {(r.StaleVersion == 1 ? "was" : "were")} changed by someone else since this page was loaded and {(r.StaleVersion == 1 ? "was" : "were")} left as {(r.StaleVersion == 1 ? "it is" : "they are")} ({Named(r, BulkOutcome.StaleVersion)}; below, as now)");
        return string.Join("; ", parts) + ".";
    }

    /// <summary>Which tasks, by title: the first few, then how many more (the engineer looks for them in the table).</summary>
    private static string Named(BulkResult r, string outcome)
    {
        const int Shown = 5;
        var titles = r.Items.Where(i => i.Result == outcome).Select(i => i.Title ?? "?").ToList();
        return string.Join(", ", titles.Take(Shown)) + (titles.Count > Shown ? $" and {Display.Count(titles.Count - Shown)} more" : "");
    }


    private async Task LoadAsync(CancellationToken ct)
    {
        // A foreign or missing incident throws here (404 page); a customer or a provider is refused (403) by the task query.
        Incident = await mediator.Send(new GetIncident(Id), ct);
        Tasks = await mediator.Send(new ListTasks(Id, States, Site, Tag, Q, Cursor, PageSize, Mine ? currentUser.Required.UserId : null), ct);
        Progress = await mediator.Send(new GetIncidentProgress(Id), ct);
        BurnDown = await mediator.Send(new GetIncidentBurnDown(Id), ct);
        Runbook = await mediator.Send(new Advisories.GetIncidentRunbook(Id), ct);
        var imports = await mediator.Send(new ListDeviceImports(Id), ct);
        Import = ImportId is { } followed ? imports.FirstOrDefault(i => i.Id == followed) : imports.Count > 0 ? imports[0] : null;
    }

    /// <summary>The query string of this view with one thing changed (paging keeps the filters).</summary>
    public string ViewUrl(string? cursor) => ViewUrl(States, Site, Tag, Q, cursor);

    /// <summary>A form of this page posts to the view it was shown in, so the page it comes back to keeps the filters and the page of tasks.</summary>
    public string HandlerUrl(string handler)
    {
        var url = ViewUrl(Cursor);
        return url + (url.Contains('?') ? "&" : "?") + "handler=" + Uri.EscapeDataString(handler);
    }

    private string ViewUrl(RemediationState[]? states, string? site, string? tag, string? q, string? cursor)
    {
        var query = new List<KeyValuePair<string, string?>>();
        foreach (var s in states ?? []) query.Add(new("state", s.ToString()));
        if (!string.IsNullOrWhiteSpace(site)) query.Add(new("site", site));
        if (!string.IsNullOrWhiteSpace(tag)) query.Add(new("tag", tag));
        if (!string.IsNullOrWhiteSpace(q)) query.Add(new("q", q));
        if (Mine) query.Add(new("mine", "true"));
        if (!string.IsNullOrWhiteSpace(cursor)) query.Add(new("cursor", cursor));
        if (ImportId is { } import) query.Add(new("import", import.ToString()));
        return $"/incidents/{Id}/remediation" + Microsoft.AspNetCore.Http.QueryString.Create(query);
    }
}

/// <summary>How states read in the UI.</summary>
public static class Words
{
    public static string State(RemediationState state) => state switch
    {
        RemediationState.InProgress => "In progress",
        RemediationState.NotApplicable => "Not applicable",
        _ => state.ToString(),
    };
}
