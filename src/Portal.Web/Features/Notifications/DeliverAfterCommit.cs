using Hangfire;
using Microsoft.Extensions.Options;
using Portal.Pipeline.Commit;

namespace Portal.Features.Notifications;

/// <summary>The fast path: after the commit, the new messages go to a job at once.</summary>
public sealed class DeliverAfterCommit(IBackgroundJobClient jobs, IOptions<NotificationOptions> options) : ICommitReaction
{
    public CommitStage Stage => CommitStage.Notify;

    public ValueTask OnCommittedAsync(CommittedChanges changes, CancellationToken cancellationToken)
    {
        if (changes.Outbox.Count > 0 && options.Value.FastPath) OutboxJobs.Enqueue(jobs, [.. changes.Outbox]);
        return ValueTask.CompletedTask;
    }
}
