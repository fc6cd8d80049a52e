namespace Portal.Pipeline.Commit;

/// <summary>Hands one committed change to every feature's <see cref="ICommitReaction"/>, stage by stage (<see cref="CommitStage"/>).</summary>
public sealed partial class CommitPublisher(IEnumerable<ICommitReaction> reactions, ILogger<CommitPublisher> logger)
{
    private readonly ICommitReaction[] _ordered = [.. reactions.OrderBy(r => r.Stage)];

    public async ValueTask PublishAsync(CommittedChanges changes)
    {
        foreach (var reaction in _ordered)
        {
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
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "{Reaction} failed after a commit for tenants {Tenants}; the change itself is saved")]
    private static partial void LogReactionFailed(ILogger logger, Exception exception, string reaction, string tenants);
}
