using Mediator;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Pipeline;

namespace Portal.Features.Remediation;

/// <summary>
/// Remaining against finished tasks over time, for one incident or (without an incident) the whole tenant: the burn-down the
/// MSP and the customer watch. Built from the samples each change writes with the counters (never by counting tasks).
/// </summary>
[Requires(Permission.ReadRemediationProgress)]
public sealed record GetIncidentBurnDown(Guid IncidentId) : IQuery<BurnDownView>, IIncidentRequest;

[Requires(Permission.ReadRemediationProgress)]
public sealed record GetTenantBurnDown(Guid TenantId) : IQuery<BurnDownView>, ITenantRequest;

/// <summary>Points in time order; <see cref="BurnDownPoint.At"/> in Unix seconds, as charting libraries take it.</summary>
public sealed record BurnDownView(IReadOnlyList<BurnDownPoint> Points);

public sealed record BurnDownPoint(long At, int Total, int Completed, int Failed)
{
    public int Remaining => Total - Completed;
}

public sealed class GetIncidentBurnDownHandler(PortalDbContext db) : IQueryHandler<GetIncidentBurnDown, BurnDownView>
{
    public async ValueTask<BurnDownView> Handle(GetIncidentBurnDown query, CancellationToken cancellationToken) =>
        BurnDown.Of(await db.RemediationProgressSamples.AsNoTracking()
            .Where(s => s.IncidentId == query.IncidentId)
            .OrderBy(s => s.At)
            .Select(s => new BurnDown.Sample(s.IncidentId, s.At, s.Total, s.Completed, s.Failed))
            .ToListAsync(cancellationToken));
}

public sealed class GetTenantBurnDownHandler(PortalDbContext db) : IQueryHandler<GetTenantBurnDown, BurnDownView>
{
    public async ValueTask<BurnDownView> Handle(GetTenantBurnDown query, CancellationToken cancellationToken) =>
        BurnDown.Of(await db.RemediationProgressSamples.AsNoTracking()
            .Where(s => s.TenantId == query.TenantId)
            .OrderBy(s => s.At)
            .Select(s => new BurnDown.Sample(s.IncidentId, s.At, s.Total, s.Completed, s.Failed))
            .ToListAsync(cancellationToken));
}

/// <summary>Adds up the incidents' samples (each incident's last known counts at every moment) and thins them to a chart's worth of points.</summary>
public static class BurnDown
{
    public const int MaxPoints = 500;

    public sealed record Sample(Guid IncidentId, DateTimeOffset At, int Total, int Completed, int Failed);

    public static BurnDownView Of(IReadOnlyList<Sample> samples)
    {
        if (samples.Count == 0) return new BurnDownView([]);
        var latest = new Dictionary<Guid, Sample>();
        int total = 0, completed = 0, failed = 0;
        var points = new List<BurnDownPoint>(samples.Count);
        foreach (var sample in samples)
        {
            if (latest.TryGetValue(sample.IncidentId, out var before))
            {
                total -= before.Total; completed -= before.Completed; failed -= before.Failed;
            }
            latest[sample.IncidentId] = sample;
            total += sample.Total; completed += sample.Completed; failed += sample.Failed;
            var at = sample.At.ToUnixTimeSeconds();
            // Several changes in one second: the chart shows where that second ended.
            if (points.Count > 0 && points[^1].At == at) points[^1] = new BurnDownPoint(at, total, completed, failed);
            else points.Add(new BurnDownPoint(at, total, completed, failed));
        }
        return new BurnDownView(Thin(points));
    }

    /// <summary>At most <see cref="MaxPoints"/>: the last point of each equal slice of time, and always the first and the last point.</summary>
    private static List<BurnDownPoint> Thin(List<BurnDownPoint> points)
    {
        if (points.Count <= MaxPoints) return points;
        var first = points[0].At;
        var span = Math.Max(1, points[^1].At - first);
        var slices = MaxPoints - 2; // slice numbers 0..slices, one point each, plus the very first point
        var thinned = new List<BurnDownPoint>(MaxPoints) { points[0] };
        for (var i = 1; i < points.Count; i++)
        {
            var slice = (points[i].At - first) * slices / span;
            var next = i + 1 < points.Count ? (points[i + 1].At - first) * slices / span : -1;
            if (next != slice) thinned.Add(points[i]);
        }
        return thinned;
    }
}
