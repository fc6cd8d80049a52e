using System.ComponentModel;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Pipeline.Commit;

namespace Portal.Infrastructure.Jobs;

/// <summary>
/// Deletes the recorded answers of <c>Idempotency-Key</c> requests (<see cref="IdempotencyRecord"/>) once they no longer count
/// (<see cref="IdempotencyRecord.KeptFor"/>), hourly, in small batches each its own short transaction in the writers' queue.
/// A record belongs to a user, not a tenant: the rule is its age alone.
/// </summary>
public sealed partial class IdempotencyRetention(PortalDbContext db, TimeProvider clock, ILogger<IdempotencyRetention> logger)
{
    public const string RecurringJobId = "idempotency-retention";
    internal const int Batch = 1_000;

    [AutomaticRetry(Attempts = 0)]
    [DisplayName("Idempotency-Key retention")]
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var before = clock.GetUtcNow() - IdempotencyRecord.KeptFor;
        var removed = 0;
        while (true)
        {
            var (count, _) = await UnitOfWork.CommitAsync(db, "Idempotency-Key retention", async ct =>
            {
                var ids = await db.IdempotencyRecords.Where(r => r.CreatedAt < before).OrderBy(r => r.CreatedAt).Select(r => r.Id).Take(Batch).ToListAsync(ct);
                return ids.Count == 0 ? 0 : await db.IdempotencyRecords.Where(r => ids.Contains(r.Id)).ExecuteDeleteAsync(ct);
            }, cancellationToken);
            removed += count;
            if (count < Batch) break;
        }
        if (removed > 0) LogRemoved(removed);
        return removed;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Idempotency-Key retention: removed {Count} recorded answers older than a day")]
    private partial void LogRemoved(int count);

    /// <summary>At start: the hourly run.</summary>
    public sealed class Startup(RecurringJobs recurring) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            recurring.AddOrUpdate<IdempotencyRetention>(RecurringJobId, retention => retention.RunAsync(CancellationToken.None), "17 * * * *");
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
