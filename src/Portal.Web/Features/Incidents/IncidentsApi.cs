using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Portal.Domain;
using Portal.Infrastructure.Http;
using Portal.Infrastructure.OpenApi;
using Severity = Portal.Domain.Severity;

namespace Portal.Features.Incidents;

/// <summary>The incident API under /api/v1. Each endpoint only translates HTTP to one Mediator message and back.</summary>
public static class IncidentsApi
{
    public sealed record CreateIncidentBody(string? Title, Severity? Severity, string? CustomerSummary);
    public sealed record AssignIncidentBody(Guid? AssigneeId);
    public sealed record ChangeIncidentStatusBody(IncidentStatus? Status, string? CustomerMessage);
    public sealed record ChangeIncidentSeverityBody(Severity? Severity);
    public sealed record ChangeCustomerSummaryBody(string? CustomerSummary);
    public sealed record AddIncidentNoteBody(string? Text, NoteVisibility? Visibility);
    public sealed record AcknowledgeIncidentsBody(Guid[]? IncidentIds);

    /// <summary>Query parameters of the list; enums arrive as text so that numbers can be refused like in JSON bodies.</summary>
    public sealed record ListIncidentsParameters(
        [property: FromQuery(Name = "tenantId")] Guid? TenantId,
        [property: FromQuery(Name = "status")] string[]? Status,
        [property: FromQuery(Name = "severity")] string[]? Severity,
        [property: FromQuery(Name = "assigneeId")] Guid? AssigneeId,
        [property: FromQuery(Name = "unassigned")] bool? Unassigned,
        [property: FromQuery(Name = "open")] bool? Open,
        [property: FromQuery(Name = "overdue"), System.ComponentModel.Description("true: only open incidents past their acknowledgement or resolution target (MSP people only: a customer is refused with 403).")] bool? Overdue,
        [property: FromQuery(Name = "q")] string? Q,
        [property: FromQuery(Name = "page")] int? Page,
        [property: FromQuery(Name = "pageSize")] int? PageSize,
        [property: FromQuery(Name = "cursor"), System.ComponentModel.Description("The 'next' of the previous page: the rows after it, however many arrived or left before it since (instead of page).")] string? Cursor);

    public static void MapIncidentsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1").WithTags("Incidents").RequireAuthorization();

        api.MapPost("/tenants/{tenantId:guid}/incidents", async Task<Created<IncidentView>> (Guid tenantId, CreateIncidentBody body, IMediator mediator, HttpContext http, CancellationToken ct) =>
        {
            var incident = await mediator.Send(new CreateIncident(tenantId, body.Title, body.Severity, body.CustomerSummary), ct);
            http.Response.Headers.ETag = incident.ETag;
            return TypedResults.Created($"/api/v1/incidents/{incident.Id}", incident);
        }).WithName("CreateIncident").WithSummary("Open an incident in a customer tenant (MSP).");

        api.MapGet("/incidents", async ([AsParameters] ListIncidentsParameters p, IMediator mediator, CancellationToken ct) =>
            TypedResults.Ok(await mediator.Send(new ListIncidents(p.TenantId, HttpInput.EnumNames<IncidentStatus>(p.Status, "status"), HttpInput.EnumNames<Severity>(p.Severity, "severity"),
                p.AssigneeId, p.Open, p.Q, p.Page ?? 1, p.PageSize ?? 50, p.Unassigned, p.Overdue, p.Cursor), ct)))
            .WithName("ListIncidents").WithSummary("List and search the incidents you may see, most severe and oldest first.")
            .ProducesProblem(StatusCodes.Status404NotFound); // ?tenantId= of a tenant you may not see: "no such tenant"

        api.MapGet("/incidents/{id:guid}", async (Guid id, IMediator mediator, HttpContext http, CancellationToken ct) =>
            WithETag(http, await mediator.Send(new GetIncident(id), ct)))
            .WithName("GetIncident").WithSummary("One incident; its ETag is the version to send in If-Match.");

        api.MapPost("/incidents/{id:guid}/acknowledge", async (Guid id, [FromHeader(Name = "If-Match")] string? ifMatch, IMediator mediator, HttpContext http, CancellationToken ct) =>
            WithETag(http, await mediator.Send(new AcknowledgeIncident(id, HttpInput.IfMatchVersion(ifMatch)), ct)))
            .WithName("AcknowledgeIncident").WithSummary("New → Acknowledged (MSP).");

        api.MapPost("/incidents/acknowledge", async (AcknowledgeIncidentsBody body, IMediator mediator, CancellationToken ct) =>
            TypedResults.Ok(await AcknowledgeIncidents.RunAsync(mediator, body.IncidentIds, ct)))
            .WithName("AcknowledgeIncidents").WithMetadata(new SendsAttribute(typeof(AcknowledgeIncident))).WithSummary("New → Acknowledged for many incidents at once (MSP), each as on its own.")
            .WithDescription($"1 to {AcknowledgeIncidents.MaxIncidents} ids. Each incident is acknowledged in its own transaction, with its own "
                + "access check: the answer lists those acknowledged and, for each refused, the problem its own acknowledgement gave "
                + "(404 not found or not yours, 409 already_acknowledged); a refusal stops none of the others. A customer or provider is refused (403) before any.");

        api.MapPost("/incidents/{id:guid}/assign", async (Guid id, AssignIncidentBody body, [FromHeader(Name = "If-Match")] string? ifMatch, IMediator mediator, HttpContext http, CancellationToken ct) =>
            WithETag(http, await mediator.Send(new AssignIncident(id, body.AssigneeId, HttpInput.IfMatchVersion(ifMatch)), ct)))
            .WithName("AssignIncident").WithSummary("Assign to an engineer of a managing MSP, or unassign with null.");

        api.MapPost("/incidents/{id:guid}/status", async (Guid id, ChangeIncidentStatusBody body, [FromHeader(Name = "If-Match")] string? ifMatch, IMediator mediator, HttpContext http, CancellationToken ct) =>
            WithETag(http, await mediator.Send(new ChangeIncidentStatus(id, body.Status, body.CustomerMessage, HttpInput.IfMatchVersion(ifMatch)), ct)))
            .WithName("ChangeIncidentStatus").WithSummary("Move along the documented transitions; the optional customer message is shown to the customer.");

        api.MapPost("/incidents/{id:guid}/severity", async (Guid id, ChangeIncidentSeverityBody body, [FromHeader(Name = "If-Match")] string? ifMatch, IMediator mediator, HttpContext http, CancellationToken ct) =>
            WithETag(http, await mediator.Send(new ChangeIncidentSeverity(id, body.Severity, HttpInput.IfMatchVersion(ifMatch)), ct)))
            .WithName("ChangeIncidentSeverity").WithSummary("Change an open incident's severity (MSP); its escalation due times follow.");

        api.MapPost("/incidents/{id:guid}/summary", async (Guid id, ChangeCustomerSummaryBody body, [FromHeader(Name = "If-Match")] string? ifMatch, IMediator mediator, HttpContext http, CancellationToken ct) =>
            WithETag(http, await mediator.Send(new ChangeCustomerSummary(id, body.CustomerSummary, HttpInput.IfMatchVersion(ifMatch)), ct)))
            .WithName("ChangeCustomerSummary").WithSummary("Rewrite what the customer's status page says of the incident (MSP); empty or null removes it; 409 `incident_closed`.");

        api.MapPost("/incidents/{id:guid}/notes", async Task<Created<TimelineEntryView>> (Guid id, AddIncidentNoteBody body, IMediator mediator, CancellationToken ct) =>
        {
            var entry = await mediator.Send(new AddIncidentNote(id, body.Text, body.Visibility), ct);
            return TypedResults.Created($"/api/v1/incidents/{id}/timeline#{entry.Sequence}", entry);
        }).WithName("AddIncidentNote").WithSummary("Internal note (MSP only) or customer-visible update/comment.");

        api.MapGet("/incidents/{id:guid}/timeline", async (Guid id, [FromQuery(Name = "limit")] int? limit, [FromQuery(Name = "before")] int? before, IMediator mediator, CancellationToken ct) =>
            TypedResults.Ok(await mediator.Send(new GetIncidentTimeline(id, limit, before), ct)))
            .WithName("GetIncidentTimeline").WithSummary("The append-only history, oldest first; customers see only customer-visible entries.")
            .WithDescription("Without parameters, every entry. limit (1-1000): only the newest that many; before: only entries whose sequence is "
                + "below it. Read a long incident from its end by sending, as before, the sequence of the oldest entry of the previous answer "
                + "until an answer holds fewer than limit.");
    }

    private static Ok<IncidentView> WithETag(HttpContext http, IncidentView incident)
    {
        http.Response.Headers.ETag = incident.ETag;
        return TypedResults.Ok(incident);
    }
}
