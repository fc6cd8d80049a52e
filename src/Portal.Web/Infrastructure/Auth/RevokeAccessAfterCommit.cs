using Portal.Pipeline.Commit;

namespace Portal.Infrastructure.Auth;

/// <summary>
/// The first reaction to a commit (<see cref="CommitStage.RevokeAccess"/>): access the change took away goes on this instance
/// and — through <see cref="RevocationRelay"/> when instances share Redis — on every other one, whose acknowledgement it waits
/// for (at most <see cref="RevocationRelay.AckTimeout"/>) before the commit path tells any live client anything.
/// </summary>
public sealed class RevokeAccessAfterCommit(AccessRevocation revocation, RevocationRelay? relay = null) : ICommitReaction
{
    public CommitStage Stage => CommitStage.RevokeAccess;

    public async ValueTask OnCommittedAsync(CommittedChanges changes, CancellationToken cancellationToken)
    {
        if (changes.AccessChanged is not { } change) return;
        await revocation.ApplyAsync(change, local: true);
        if (relay is not null) await relay.PublishAsync(change);
    }
}
