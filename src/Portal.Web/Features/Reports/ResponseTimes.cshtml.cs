using Mediator;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace Portal.Features.Reports;

/// <summary>MTTA and MTTR over the last 7, 30 or 90 days, for every tenant the user may see; the same query as the API.</summary>
[Authorize]
public sealed class ResponseTimesModel(IMediator mediator, TimeProvider clock) : PortalPageModel
{
    public static readonly int[] Periods = [7, 30, 90];

    /// <summary>The period in days, one of <see cref="Periods"/> (anything else reads as 30).</summary>
    [FromQuery(Name = "days")] public int Days { get; set; } = 30;

    public ResponseTimesView? Times { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        if (!Periods.Contains(Days)) Days = 30;
        var to = clock.GetUtcNow();
        Times = await mediator.Send(new GetResponseTimes(to.AddDays(-Days), to), ct);
        return Page();
    }

    public string CsvLink => Times is null ? "" :
        $"/api/v1/reports/response-times.csv?from={Uri.EscapeDataString(Display.Iso(Times.From))}&to={Uri.EscapeDataString(Display.Iso(Times.To))}";
}
