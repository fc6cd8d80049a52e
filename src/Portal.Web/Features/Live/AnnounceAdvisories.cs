using Portal.Pipeline.Commit;

namespace Portal.Features.Live;

/// <summary>Once an advisory change has committed, its provider and the tenants it targets are told (numbered in the transaction).</summary>
public sealed class AnnounceAdvisories(LivePublisher live) : ICommitReaction
{
    public CommitStage Stage => CommitStage.TellClients;

    public async ValueTask OnCommittedAsync(CommittedChanges changes, CancellationToken cancellationToken)
    {
        foreach (var advisory in changes.Advisories) await live.AdvisoryAsync(advisory);
    }
}
