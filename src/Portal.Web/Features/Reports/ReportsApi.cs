using Mediator;
using Microsoft.AspNetCore.Mvc;
using Portal.Infrastructure.OpenApi;

namespace Portal.Features.Reports;

/// <summary>
/// Reporting under /api/v1: the post-incident report (JSON, and its timeline as CSV) and MTTA/MTTR over a period (JSON, and
/// its figures as CSV). Each endpoint translates HTTP to one Mediator message and back.
/// </summary>
public static class ReportsApi
{
    public sealed record PeriodParameters(
        [property: FromQuery(Name = "from")] DateTimeOffset? From,
        [property: FromQuery(Name = "to")] DateTimeOffset? To);

    private const string Csv = "text/csv; charset=utf-8";

    public static void MapReportsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1").WithTags("Reports").RequireAuthorization();

        api.MapGet("/incidents/{id:guid}/report", async (Guid id, IMediator mediator, CancellationToken ct) =>
            TypedResults.Ok(await mediator.Send(new GetIncidentReport(id), ct)))
            .WithName("GetIncidentReport")
            .WithSummary("The post-incident report: milestones and their times (with targets, for the MSP), the tasks by outcome, and the timeline the caller may see.");

        api.MapGet("/incidents/{id:guid}/report.csv", async (Guid id, IMediator mediator, CancellationToken ct) =>
        {
            var report = await mediator.Send(new GetIncidentReport(id), ct);
            return TypedResults.Stream(body => ReportCsv.WriteTimelineAsync(body, report, ct), Csv, $"{report.Reference}-report.csv");
        }).WithName("ExportIncidentReport").WithMetadata(new SendsAttribute(typeof(GetIncidentReport)))
            .WithSummary("The report's timeline as CSV; cells that a spreadsheet would evaluate start with an apostrophe.");

        api.MapGet("/reports/response-times", async ([AsParameters] PeriodParameters p, IMediator mediator, CancellationToken ct) =>
            TypedResults.Ok(await mediator.Send(new GetResponseTimes(p.From, p.To), ct)))
            .WithName("GetResponseTimes")
            .WithSummary("MTTA and MTTR of the incidents opened in [from, to) (default: the last 30 days; at most 366), overall, by severity and by tenant.");

        api.MapGet("/reports/response-times.csv", async ([AsParameters] PeriodParameters p, IMediator mediator, CancellationToken ct) =>
        {
            var times = await mediator.Send(new GetResponseTimes(p.From, p.To), ct);
            return TypedResults.Stream(body => ReportCsv.WriteResponseTimesAsync(body, times, ct), Csv,
                $"response-times-{times.From.UtcDateTime:yyyyMMdd}-{times.To.UtcDateTime:yyyyMMdd}.csv");
        }).WithName("ExportResponseTimes").WithMetadata(new SendsAttribute(typeof(GetResponseTimes)))
            .WithSummary("The response-time figures as CSV: one row overall, one per severity, one per tenant.");
    }
}
