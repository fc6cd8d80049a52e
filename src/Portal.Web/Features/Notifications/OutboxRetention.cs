using System.ComponentModel;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Data;
using Portal.Domain;
using Portal.Pipeline.Commit;

namespace Portal.Features.Notifications;

/// <summary>
/// Keeps the outbox and the delivery log from growing for ever: a settled message (delivered, or failed for good) goes with its
/// delivery attempts once its last try is older than its retention (<see cref="NotificationOptions.RetainDeliveredFor"/>,
/// <see cref="NotificationOptions.RetainFailedFor"/>). A pending message is never removed, however old: it still has to go out.
/// A message's last try is when it was last due (<see cref="OutboxMessage.NextAttemptAt"/>), which the sweep's index already
/// orders. Small batches, each its own short transaction in the writers' queue, so an outage's backlog of changes never waits
/// long behind a clean-up. Across tenants by nature, like the sweep: the rule is the age, never a tenant's input.
/// </summary>
public sealed partial class OutboxRetention(PortalDbContext db, TenantScope scope, TimeProvider clock, IOptions<NotificationOptions> options, ILogger<OutboxRetention> logger)
{
    public const string RecurringJobId = "outbox-retention";

    /// <summary>
    /// Messages per transaction. SQLite's single writer is held for one batch at a time (a change queued meanwhile goes next, the
    /// writers' queue is first come first served); the ids stay well under any provider's parameter limit.
    /// </summary>
    internal const int Batch = 500;

    [AutomaticRetry(Attempts = 0)]
    [DisplayName("Outbox retention")]
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        scope.UseSystemAccess();
        var settings = options.Value;
        var now = clock.GetUtcNow();
        var removed = await RemoveSettledAsync(OutboxStatus.Delivered, now - settings.RetainDeliveredFor, cancellationToken)
            + await RemoveSettledAsync(OutboxStatus.Failed, now - settings.RetainFailedFor, cancellationToken);
        if (removed > 0) LogRemoved(removed, settings.RetainDeliveredFor, settings.RetainFailedFor);
        return removed;
    }

    private async Task<int> RemoveSettledAsync(OutboxStatus status, DateTimeOffset lastTryBefore, CancellationToken cancellationToken)
    {
        var removed = 0;
        while (true)
        {
            var (count, _) = await UnitOfWork.CommitAsync(db, "Outbox retention", async ct =>
            {
                var ids = await db.OutboxMessages.Where(m => m.Status == status && m.NextAttemptAt < lastTryBefore)
                    .OrderBy(m => m.NextAttemptAt).Select(m => m.Id).Take(Batch).ToListAsync(ct);
                if (ids.Count == 0) return 0;
                // The attempts first: the log's rows name their message (and the foreign key cascades only where the database enforces it).
                await db.DeliveryAttempts.Where(a => ids.Contains(a.MessageId)).ExecuteDeleteAsync(ct);
                return await db.OutboxMessages.Where(m => ids.Contains(m.Id) && m.Status == status).ExecuteDeleteAsync(ct);
            }, cancellationToken);
            removed += count;
            if (count < Batch) return removed;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Outbox retention: removed {Count} settled messages with their delivery attempts (delivered kept {Delivered}, failed {Failed})")]
    private partial void LogRemoved(int count, TimeSpan delivered, TimeSpan failed);
}
