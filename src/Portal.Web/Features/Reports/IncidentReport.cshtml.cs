using Mediator;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace Portal.Features.Reports;

/// <summary>The post-incident report of one incident, laid out to be read or printed; the same query as the API.</summary>
[Authorize]
public sealed class IncidentReportModel(IMediator mediator) : PortalPageModel
{
    [FromRoute] public Guid Id { get; set; }

    public IncidentReportView? Report { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        Report = await mediator.Send(new GetIncidentReport(Id), ct);
        return Page();
    }

    /// <summary>"14 min", "2 h 5 min", "1 d 3 h"; an em dash where the milestone is not reached.</summary>
    public static string Duration(long? seconds) =>
        seconds is { } s ? Display.Age(DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddSeconds(s)) : "—";

    public static string Target(ReportMilestone m) => m switch
    {
        { DueAt: null } => "",
        { MetTarget: true } => $"met (due {Display.Stamp(m.DueAt.Value)})",
        { MetTarget: false } => $"missed (due {Display.Stamp(m.DueAt.Value)})",
        _ => $"due {Display.Stamp(m.DueAt.Value)}",
    };
}
