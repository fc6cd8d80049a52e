using Portal.Pipeline.Commit;

namespace Portal.Features.Live;

/// <summary>
/// Once an advisory change has committed, its provider and the tenants it targets are told (numbered in the transaction); and
/// when an advisory's reach or recovery moved, its provider's dashboard is told to recount (coalesced, ids only).
/// </summary>
public sealed class AnnounceAdvisories(LivePublisher live) : ICommitReaction
{
    public CommitStage Stage => CommitStage.TellClients;

    public async ValueTask OnCommittedAsync(CommittedChanges changes, CancellationToken cancellationToken)
    {
        foreach (var advisory in changes.Advisories) await live.AdvisoryAsync(advisory);
        foreach (var impact in changes.AdvisoryImpacts) live.AdvisoryImpactChanged(impact.ProviderId, impact.AdvisoryId);
    }
}
