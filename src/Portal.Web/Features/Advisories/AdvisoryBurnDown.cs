using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Features.Remediation;

namespace Portal.Features.Advisories;

/// <summary>
/// An advisory's burn-down as its provider sees it: the points <see cref="AdvisoryProgressSampler"/> recorded, ended by the
/// counters as they stand now. Until the sampler's first run for an advisory (within a minute of its first task), the history is
/// summed from the linked incidents' own samples instead: the read that grows with every incident's history (about 0.5 s on SQLite
/// at 2,000 incidents of 100 minutes each), which is why the provider's view, refreshed every second in an outage, no longer
/// makes it.
/// </summary>
internal static class AdvisoryBurnDown
{
    /// <summary>
    /// The counter rows of the incidents the advisory counts: linked to it, in a tenant it targets now, each tenant's latest (a
    /// second wave's devices are counted once, as they stand in that wave, not again beside the closed first). Around the query
    /// filters (the provider sees no tenant's rows); numbers leave the callers, nothing else.
    /// </summary>
    public static Task<List<RemediationProgress>> CountedCountersAsync(PortalDbContext db, Guid advisoryId, CancellationToken cancellationToken) =>
        (from progress in db.RemediationProgress.IgnoreQueryFilters().AsNoTracking()
         join incident in db.Incidents.IgnoreQueryFilters() on progress.IncidentId equals incident.Id
         where incident.AdvisoryId == advisoryId
               && db.AdvisoryTargets.IgnoreQueryFilters().Any(t => t.AdvisoryId == advisoryId && t.TenantId == incident.TenantId)
               && !db.Incidents.IgnoreQueryFilters().Any(later => later.AdvisoryId == advisoryId && later.TenantId == incident.TenantId && later.Number > incident.Number)
         select progress).ToListAsync(cancellationToken);

    public static async Task<BurnDownView> ReadAsync(PortalDbContext db, Guid advisoryId, IReadOnlyCollection<RemediationProgress> counters,
        DateTimeOffset now, CancellationToken cancellationToken)
    {
        var points = await RecordedAsync(db, advisoryId, cancellationToken);
        if (points.Count == 0) points = await FromIncidentSamplesAsync(db, counters, cancellationToken);
        if (Current(counters, points.LastOrDefault(), now) is { } current) points.Add(current);
        return BurnDown.OfPoints(points);
    }

    public static async Task<List<BurnDownPoint>> RecordedAsync(PortalDbContext db, Guid advisoryId, CancellationToken cancellationToken) =>
        await db.AdvisoryProgressSamples.AsNoTracking().Where(s => s.AdvisoryId == advisoryId).OrderBy(s => s.At).ThenBy(s => s.Id)
            .Select(s => new BurnDownPoint(s.At.ToUnixTimeSeconds(), s.Total, s.Completed, s.Failed, s.NotApplicable)).ToListAsync(cancellationToken);

    /// <summary>The counted incidents' own samples added up and thinned (<see cref="BurnDown.Of"/>): every sample of every one.</summary>
    public static async Task<List<BurnDownPoint>> FromIncidentSamplesAsync(PortalDbContext db, IReadOnlyCollection<RemediationProgress> counters,
        CancellationToken cancellationToken)
    {
        if (counters.Count == 0) return [];
        var incidentIds = counters.Select(c => c.IncidentId).ToList();
        var samples = await db.RemediationProgressSamples.IgnoreQueryFilters().AsNoTracking()
            .Where(s => incidentIds.Contains(s.IncidentId))
            .OrderBy(s => s.At).ThenBy(s => s.Id)
            .Select(s => new BurnDown.Sample(s.IncidentId, s.At, s.Total, s.Completed, s.Failed, s.NotApplicable))
            .ToListAsync(cancellationToken);
        return [.. BurnDown.Of(samples).Points];
    }

    /// <summary>
    /// The counters' sums as a point after <paramref name="last"/>, or null when they have not moved from it (or there is nothing
    /// to draw). Dated by the latest counter change; when that is not after the last point (the sums moved because a tenant
    /// stopped being targeted, not because work was done), by <paramref name="now"/>.
    /// </summary>
    public static BurnDownPoint? Current(IReadOnlyCollection<RemediationProgress> counters, BurnDownPoint? last, DateTimeOffset now)
    {
        int total = counters.Sum(c => c.Total), completed = counters.Sum(c => c.Completed), failed = counters.Sum(c => c.Failed),
            notApplicable = counters.Sum(c => c.NotApplicable);
        var point = new BurnDownPoint(0, total, completed, failed, notApplicable);
        if (last is null ? counters.Count == 0 : last with { At = 0 } == point) return null;
        var at = counters.Count == 0 ? now.ToUnixTimeSeconds() : counters.Max(c => c.UpdatedAt).ToUnixTimeSeconds();
        if (last is not null && at <= last.At) at = Math.Max(now.ToUnixTimeSeconds(), last.At + 1);
        return point with { At = at };
    }
}
