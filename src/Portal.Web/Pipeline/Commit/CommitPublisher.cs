namespace Portal.Pipeline.Commit;

/// <summary>Hands one committed change to every feature's <see cref="ICommitReaction"/>, stage by stage (<see cref="CommitStage"/>).</summary>
public sealed partial class CommitPublisher(IEnumerable<ICommitReaction> reactions, RevocationBarrier barrier, ILogger<CommitPublisher> logger)
{
    private readonly ICommitReaction[] _ordered = [.. reactions.OrderBy(r => r.Stage)];

    public async ValueTask PublishAsync(CommittedChanges changes)
    {
        var revoked = false;
        foreach (var reaction in _ordered)
        {
            if (!revoked && reaction.Stage > CommitStage.RevokeAccess)
            {
                // Access this or an earlier commit took away is gone on every instance before anyone is told anything.
                revoked = true;
                if (changes.RevocationTicket > 0) barrier.Completed(changes.RevocationTicket);
                await barrier.EarlierRevocationsAsync(changes.RevocationsBefore);
            }
            try
            {
                // The change is committed: a reaction must not be cancelled half-way by the request going away.
                await reaction.OnCommittedAsync(changes, CancellationToken.None);
            }
            catch (Exception e)
            {
                LogReactionFailed(logger, e, reaction.GetType().Name, string.Join(", ", changes.TenantIds));
            }
        }
        if (!revoked && changes.RevocationTicket > 0) barrier.Completed(changes.RevocationTicket);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "{Reaction} failed after a commit for tenants {Tenants}; the change itself is saved")]
    private static partial void LogReactionFailed(ILogger logger, Exception exception, string reaction, string tenants);
}
