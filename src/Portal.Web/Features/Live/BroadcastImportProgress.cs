using Portal.Pipeline.Commit;

namespace Portal.Features.Live;

/// <summary>After a commit that moved a device import (queued, a batch, the end), tell its tenant's MSP group (coalesced).</summary>
public sealed class BroadcastImportProgress(LivePublisher live) : ICommitReaction
{
    public CommitStage Stage => CommitStage.TellClients;

    public ValueTask OnCommittedAsync(CommittedChanges changes, CancellationToken cancellationToken)
    {
        foreach (var i in changes.Imports)
        {
            live.ImportProgress(i.TenantId, new LiveImportProgress(i.Id, i.IncidentId, i.Status.ToString(), i.LinesDone, i.RowsRead,
                i.DevicesCreated, i.TasksCreated, i.RowsUnchanged, i.ErrorCount, i.Failure));
        }
        return ValueTask.CompletedTask;
    }
}
