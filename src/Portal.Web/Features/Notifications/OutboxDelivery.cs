using System.ComponentModel;
using System.Diagnostics;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Data;
using Portal.Domain;

namespace Portal.Features.Notifications;

/// <summary>
/// Delivers outbox messages. A message is claimed first (one UPDATE sets a fresh lease token and the lease's end on the messages
/// that are pending, due and unclaimed or whose lease ran out), so two workers — the fast path and the sweep, two instances —
/// never both send one. Each send ends in its own transaction: the message settled (delivered, to retry at a back-off, or
/// failed for good) and the attempt logged together, on the condition that the lease token is still this worker's. A delivered
/// message is never claimed again. The one window left is a process dying after the receiver accepted and before that save:
/// the lease then runs out and the message is sent again with the same <c>Portal-Delivery-Id</c> (and email Message-Id), which
/// receivers use to drop the repeat (docs/webhooks.md).
/// </summary>
public sealed partial class OutboxDelivery(PortalDbContext db, TenantScope scope, TimeProvider clock, IOptions<NotificationOptions> options,
    NotificationSenders senders, IBackgroundJobClient jobs, ILogger<OutboxDelivery> logger)
{
    [AutomaticRetry(Attempts = 0)]
    [DisplayName("Deliver notifications")]
    public async Task<int> DeliverAsync(Guid[] ids, CancellationToken cancellationToken)
    {
        scope.UseSystemAccess(); // across tenants by nature: each message already names its one tenant and target
        var settings = options.Value;
        var now = clock.GetUtcNow();
        var token = Guid.NewGuid();
        var leaseUntil = now + settings.Lease;
        var claimed = await db.OutboxMessages
            .Where(m => ids.Contains(m.Id) && m.Status == OutboxStatus.Pending && m.NextAttemptAt <= now && (m.LeaseUntil == null || m.LeaseUntil < now))
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.LeaseToken, token).SetProperty(m => m.LeaseUntil, leaseUntil).SetProperty(m => m.Attempts, m => m.Attempts + 1),
                cancellationToken);
        if (claimed == 0) return 0;

        var messages = await db.OutboxMessages.Where(m => m.LeaseToken == token).OrderBy(m => m.Id).ToListAsync(cancellationToken);
        var endpointIds = messages.Where(m => m.EndpointId != null).Select(m => m.EndpointId!.Value).Distinct().ToList();
        var endpoints = endpointIds.Count == 0 ? [] : await db.NotificationEndpoints.AsNoTracking().Where(e => endpointIds.Contains(e.Id)).ToDictionaryAsync(e => e.Id, cancellationToken);

        var delivered = 0;
        foreach (var (message, index) in messages.Select((m, i) => (m, i)))
        {
            // The claim covers a couple of sends; a batch of slow receivers outlasts it. Renewed before it can run out, so no other
            // worker takes (and sends again) the messages this one has not reached yet.
            if (leaseUntil - clock.GetUtcNow() < settings.SendTimeout + LeaseMargin)
                leaseUntil = await RenewLeaseAsync(token, [.. messages.Skip(index).Select(m => m.Id)]);
            var endpoint = message.EndpointId is { } eid ? endpoints.GetValueOrDefault(eid) : null;
            var watch = Stopwatch.StartNew();
            var result = await senders.SendAsync(message, endpoint, cancellationToken);
            watch.Stop();
            if (await SettleAsync(message, result, watch.ElapsedMilliseconds)) delivered += result.Ok ? 1 : 0;
        }
        return delivered;
    }

    /// <summary>How much of the claim must be left, beyond one send's timeout, before the next send starts.</summary>
    private static readonly TimeSpan LeaseMargin = TimeSpan.FromSeconds(10);

    private async Task<DateTimeOffset> RenewLeaseAsync(Guid token, Guid[] remaining)
    {
        var until = clock.GetUtcNow() + options.Value.Lease;
        await db.OutboxMessages.Where(m => m.LeaseToken == token && remaining.Contains(m.Id) && m.Status == OutboxStatus.Pending)
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.LeaseUntil, until), CancellationToken.None);
        return until;
    }

    /// <summary>The message settled and the attempt logged in one transaction, only while the claim is still this worker's.</summary>
    private async Task<bool> SettleAsync(OutboxMessage message, SendResult result, long durationMs)
    {
        var settings = options.Value;
        var now = clock.GetUtcNow();
        var attempt = message.Attempts;
        DateTimeOffset? retryAt = result.Ok || result.Permanent || attempt >= settings.MaxAttempts ? null : now + settings.RetryDelayAfter(attempt);
        var outcome = message.Settle(result.Ok, result.Error, now, retryAt);
        db.DeliveryAttempts.Add(new DeliveryAttempt(Guid.CreateVersion7(now), message, attempt, now, outcome, result.StatusCode, result.Error, durationMs));
        try
        {
            await db.SaveChangesAsync(CancellationToken.None); // what was sent is recorded even when the job is being stopped
        }
        catch (DbUpdateConcurrencyException)
        {
            LogLeaseLost(logger, message.Id);
            db.ChangeTracker.Clear();
            return false;
        }
        if (outcome == DeliveryOutcome.Retrying && settings.FastPath)
            OutboxJobs.Schedule(jobs, [message.Id], retryAt!.Value - now);
        if (outcome == DeliveryOutcome.Failed) LogGaveUp(logger, message.Id, message.Channel, attempt, result.Error);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox message {MessageId}: its lease ran out and another worker took it; this try is not recorded")]
    private static partial void LogLeaseLost(ILogger logger, Guid messageId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox message {MessageId} ({Channel}) failed for good after {Attempts} tries: {Error}")]
    private static partial void LogGaveUp(ILogger logger, Guid messageId, NotificationChannel channel, int attempts, string? error);
}
