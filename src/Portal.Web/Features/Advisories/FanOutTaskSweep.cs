using System.ComponentModel;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Data;
using Portal.Domain;
using Portal.Infrastructure.Jobs;
using Portal.Pipeline.Commit;

namespace Portal.Features.Advisories;

/// <summary>
/// The safety net under a fan-out's second unit of work: plans older than <see cref="StaleAfter"/> belong to a fan-out whose
/// call stopped between its incidents and their tasks (a killed process, a failed second step); their tasks are created here,
/// a batch of incidents per unit of work, and announced like any other commit. A runner that meets one of these plans removed
/// by someone else first conflicts, rolls back, and leaves it to whoever did.
/// </summary>
public sealed partial class FanOutTaskSweep(PortalDbContext db, TenantScope scope, TimeProvider clock, CommitPublisher publisher, IOptions<AdvisoryOptions> options,
    ILogger<FanOutTaskSweep> logger)
{
    public const string RecurringJobId = "fan-out-task-sweep";
    public static readonly TimeSpan StaleAfter = TimeSpan.FromMinutes(1);
    private const int Batch = 100;

    [AutomaticRetry(Attempts = 0)]
    [DisplayName("Fan-out task sweep")]
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        scope.UseSystemAccess(); // across tenants by nature: each plan names its tenant, and its tasks are built for that tenant only
        var incidents = new HashSet<Guid>();
        while (true)
        {
            var staleBefore = clock.GetUtcNow() - StaleAfter;
            var taken = await db.FanOutTaskPlans.AsNoTracking().Where(p => p.TouchedAt < staleBefore).OrderBy(p => p.TouchedAt)
                .Select(p => p.IncidentId).Take(Batch).ToListAsync(cancellationToken);
            if (taken.Count == 0) return incidents.Count;
            // These plans, a chunk per unit of work, until they are done (a chunk marks the plans it moves on as touched, so they
            // would not look stale again in this run).
            for (var more = true; more;)
            {
                var now = clock.GetUtcNow();
                var plans = await db.FanOutTaskPlans.Where(p => taken.Contains(p.IncidentId)).OrderBy(p => p.PlannedAt).ToListAsync(cancellationToken);
                if (plans.Count == 0) break;
                try
                {
                    var chunk = await CreateChunkAsync("Fan-out task sweep", plans, now, cancellationToken);
                    incidents.UnionWith(chunk.Created.Keys);
                    more = chunk.More;
                }
                catch (DbUpdateConcurrencyException)
                {
                    LogTakenMeanwhile(plans.Count);
                    return incidents.Count; // someone else moved (some of) these meanwhile: the next run starts from what is left
                }
            }
            if (taken.Count < Batch) return incidents.Count;
        }
    }

    /// <summary>
    /// The rest of one advisory's fan-out, at once: what <see cref="FanOutActions"/> left when its caller's time was up. Every plan of
    /// the advisory, a chunk per unit of work, until none is left. Another runner moving the same plans (a second engineer's
    /// call, the minutely sweep) makes a chunk conflict: it is rolled back and this goes on from where that one got.
    /// </summary>
    [AutomaticRetry(Attempts = 3)]
    [DisplayName("Fan-out tasks of advisory {0}")]
    public async Task<int> FinishAsync(Guid advisoryId, CancellationToken cancellationToken)
    {
        scope.UseSystemAccess(); // the plans were made by an engineer allowed to fan out in their tenants; each names its tenant
        var created = 0;
        for (var conflicts = 0; conflicts < MaxConflicts;)
        {
            var plans = await db.FanOutTaskPlans.Where(p => p.AdvisoryId == advisoryId).OrderBy(p => p.PlannedAt).ToListAsync(cancellationToken);
            if (plans.Count == 0) return created;
            try
            {
                var chunk = await CreateChunkAsync("Fan-out tasks", plans, clock.GetUtcNow(), cancellationToken);
                created += chunk.Created.Values.Sum();
                if (!chunk.More) return created;
            }
            catch (DbUpdateConcurrencyException)
            {
                conflicts++;
            }
        }
        LogLeftToOthers(advisoryId, MaxConflicts);
        return created;
    }

    /// <summary>
    /// One chunk of these plans' tasks in a unit of work of its own, announced once committed; the change tracker is left empty
    /// whatever happened, so the next chunk starts from the database. A plan another runner moved first throws
    /// <see cref="DbUpdateConcurrencyException"/>, rolled back, for the caller to decide.
    /// </summary>
    private async Task<FanOutChunk> CreateChunkAsync(string unitOfWork, List<FanOutTaskPlan> plans, DateTimeOffset now, CancellationToken cancellationToken)
    {
        try
        {
            var (chunk, committed) = await UnitOfWork.CommitAsync(db, unitOfWork, async ct => await FanOutTasks.CreateChunkAsync(db, plans, now, ct, options.Value.FanOutChunkSize), cancellationToken);
            await publisher.PublishAsync(committed);
            return chunk;
        }
        finally
        {
            db.ChangeTracker.Clear();
        }
    }

    /// <summary>Chunks another runner took first before <see cref="FinishAsync"/> leaves the rest to it (and to the minutely sweep).</summary>
    private const int MaxConflicts = 20;

    [LoggerMessage(Level = LogLevel.Information, Message = "Fan-out tasks of advisory {AdvisoryId}: other runners took {Conflicts} chunks first; the rest is left to them and the sweep.")]
    private partial void LogLeftToOthers(Guid advisoryId, int conflicts);

    [LoggerMessage(Level = LogLevel.Information, Message = "Fan-out task sweep: {Count} plans were taken by another runner meanwhile; the next run picks up what is left.")]
    private partial void LogTakenMeanwhile(int count);

    /// <summary>At start: the recurring sweep (every minute), and one run as soon as plans a stopped process left have become stale.</summary>
    public sealed class Startup(RecurringJobs recurring, IBackgroundJobClient jobs) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            recurring.AddOrUpdate<FanOutTaskSweep>(RecurringJobId, sweep => sweep.RunAsync(CancellationToken.None), Cron.Minutely());
            jobs.Schedule<FanOutTaskSweep>(sweep => sweep.RunAsync(CancellationToken.None), StaleAfter + TimeSpan.FromSeconds(1));
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
