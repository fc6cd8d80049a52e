using System.ComponentModel;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Infrastructure.Jobs;
using Portal.Pipeline.Commit;

namespace Portal.Features.Advisories;

/// <summary>
/// The safety net under a fan-out's second unit of work: plans older than <see cref="StaleAfter"/> belong to a fan-out whose
/// call stopped between its incidents and their tasks (a killed process, a failed second step); their tasks are created here,
/// a batch of incidents per unit of work, and announced like any other commit. A runner that meets one of these plans removed
/// by someone else first conflicts, rolls back, and leaves it to whoever did.
/// </summary>
public sealed partial class FanOutTaskSweep(PortalDbContext db, TenantScope scope, TimeProvider clock, CommitPublisher publisher, ILogger<FanOutTaskSweep> logger)
{
    public const string RecurringJobId = "fan-out-task-sweep";
    public static readonly TimeSpan StaleAfter = TimeSpan.FromMinutes(1);
    private const int Batch = 100;

    [AutomaticRetry(Attempts = 0)]
    [DisplayName("Fan-out task sweep")]
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        scope.UseSystemAccess(); // across tenants by nature: each plan names its tenant, and its tasks are built for that tenant only
        var incidents = 0;
        while (true)
        {
            var now = clock.GetUtcNow();
            var staleBefore = now - StaleAfter;
            var stale = await db.FanOutTaskPlans.Where(p => p.PlannedAt < staleBefore).OrderBy(p => p.PlannedAt).Take(Batch).ToListAsync(cancellationToken);
            if (stale.Count == 0) return incidents;
            try
            {
                var (_, committed) = await UnitOfWork.CommitAsync(db, "Fan-out task sweep", async ct => await FanOutTasks.CreateAsync(db, stale, now, ct), cancellationToken);
                await publisher.PublishAsync(committed);
                incidents += stale.Count;
            }
            catch (DbUpdateConcurrencyException)
            {
                LogTakenMeanwhile(stale.Count);
                return incidents; // someone else created (some of) these meanwhile: the next run starts from what is left
            }
            finally
            {
                db.ChangeTracker.Clear();
            }
            if (stale.Count < Batch) return incidents;
        }
    }

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
