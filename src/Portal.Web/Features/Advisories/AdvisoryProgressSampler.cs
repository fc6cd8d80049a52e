using System.ComponentModel;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Data;
using Portal.Domain;
using Portal.Features.Remediation;
using Portal.Infrastructure.Jobs;
using Portal.Pipeline.Commit;

namespace Portal.Features.Advisories;

/// <summary>
/// Records each advisory's burn-down once a minute, so that the provider's view reads a few points per minute of work instead
/// of every sample of every linked incident (<see cref="AdvisoryBurnDown"/>). An advisory is sampled when a linked incident's
/// counters moved within <see cref="Lookback"/> (a point only when their sums moved since the last one), and the first time
/// with its whole history, summed from the incidents' own samples, so the chart still starts where the work started.
/// A point is one insert into a table of its own, nothing a tenant's writer waits on: no aggregate row that 2,000 tenants'
/// task changes would queue behind. Across tenants by nature; only sums leave the counted incidents' rows.
/// </summary>
public sealed partial class AdvisoryProgressSampler(PortalDbContext db, TenantScope scope, TimeProvider clock, ILogger<AdvisoryProgressSampler> logger)
{
    public const string RecurringJobId = "advisory-progress-sampler";

    /// <summary>Counters that moved within this are looked at again: a run or several missed (a restart) are caught up by the next.</summary>
    public static readonly TimeSpan Lookback = TimeSpan.FromMinutes(10);

    [AutomaticRetry(Attempts = 0)]
    [DisplayName("Advisory progress sampler")]
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        scope.UseSystemAccess();
        var now = clock.GetUtcNow();
        var since = now - Lookback;
        // Two reads, each through an index: the counters that moved lately (UpdatedAt), and the advisories never sampled that have
        // linked counters. One read with both conditions OR-ed scanned every counter row there ever was, once a minute.
        var moved = await (from progress in db.RemediationProgress
                           where progress.UpdatedAt >= since
                           join incident in db.Incidents on progress.IncidentId equals incident.Id
                           where incident.AdvisoryId != null
                           select incident.AdvisoryId!.Value).Distinct().ToListAsync(cancellationToken);
        var unsampled = await db.Advisories
            .Where(a => !db.AdvisoryProgressSamples.Any(s => s.AdvisoryId == a.Id)
                        && db.Incidents.Any(i => i.AdvisoryId == a.Id && db.RemediationProgress.Any(p => p.IncidentId == i.Id)))
            .Select(a => a.Id).ToListAsync(cancellationToken);
        var advisories = moved.Union(unsampled).ToList();
        var points = 0;
        foreach (var advisoryId in advisories)
        {
            try
            {
                points += await SampleAsync(advisoryId, now, cancellationToken);
            }
            finally
            {
                db.ChangeTracker.Clear();
            }
        }
        if (points > 0) LogRecorded(points, advisories.Count);
        return points;
    }

    /// <summary>
    /// One advisory: its new points (its whole history the first time), or none. Read before the unit of work, which only
    /// inserts: the first run sums every sample of every linked incident and must not hold SQLite's single writer meanwhile.
    /// </summary>
    private async Task<int> SampleAsync(Guid advisoryId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var providerId = await db.Advisories.Where(a => a.Id == advisoryId).Select(a => a.ProviderId).SingleAsync(cancellationToken);
        var counters = await AdvisoryBurnDown.CountedCountersAsync(db, advisoryId, cancellationToken);
        var last = await LastPointAsync(advisoryId, cancellationToken);
        var points = last is null ? await AdvisoryBurnDown.FromIncidentSamplesAsync(db, counters, cancellationToken) : [];
        if (AdvisoryBurnDown.Current(counters, last ?? points.LastOrDefault(), now) is { } current) points.Add(current);
        if (points.Count == 0) return 0;

        var (written, _) = await UnitOfWork.CommitAsync(db, "Advisory progress sample", async ct =>
        {
            // Another run recorded meanwhile (runs overlapped): its points stand, and the next run starts from them.
            if (await LastPointAsync(advisoryId, ct) != last) return 0;
            foreach (var point in points)
                db.AdvisoryProgressSamples.Add(new AdvisoryProgressSample(advisoryId, providerId, DateTimeOffset.FromUnixTimeSeconds(point.At),
                    point.Total, point.Completed, point.Failed, point.NotApplicable));
            await db.SaveChangesAsync(ct);
            return points.Count;
        }, cancellationToken);
        return written;
    }

    private Task<BurnDownPoint?> LastPointAsync(Guid advisoryId, CancellationToken cancellationToken) =>
        db.AdvisoryProgressSamples.AsNoTracking().Where(s => s.AdvisoryId == advisoryId).OrderByDescending(s => s.At).ThenByDescending(s => s.Id)
            .Select(s => new BurnDownPoint(s.At.ToUnixTimeSeconds(), s.Total, s.Completed, s.Failed, s.NotApplicable)).FirstOrDefaultAsync(cancellationToken);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Advisory progress sampler: {Points} points recorded for {Advisories} advisories")]
    private partial void LogRecorded(int points, int advisories);

    /// <summary>At start: the recurring run (<see cref="AdvisoryOptions.ProgressSamplerCron"/>, every minute by default).</summary>
    public sealed class Startup(RecurringJobs recurring, IOptions<AdvisoryOptions> options) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            recurring.AddOrUpdate<AdvisoryProgressSampler>(RecurringJobId, sampler => sampler.RunAsync(CancellationToken.None), options.Value.ProgressSamplerCron);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
