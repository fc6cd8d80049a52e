using Mediator;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Pipeline.Commit;

namespace Portal.Pipeline;

/// <summary>
/// A command runs in one database transaction: what it changes, and the live stream numbers of what it changed,
/// commit together or not at all. The handler saves its unit of work once (it needs the values the database
/// assigns, such as the version); this behaviour then numbers what was saved (<see cref="StreamSequences"/>),
/// commits, and hands the committed record to every feature's reaction (<see cref="CommitPublisher"/>).
/// It runs before <see cref="AccessBehavior{TMessage,TResponse}"/>: the access check reads the incident (task, device) in the
/// same transaction, on the same open connection, that the handler then changes, and a re-run after a conflict checks again
/// on fresh data. Commands only: the type constraint keeps Mediator's generator from putting it in a query's pipeline.
/// </summary>
public sealed class TransactionBehavior<TMessage, TResponse>(IServiceProvider services) : IPipelineBehavior<TMessage, TResponse>
    where TMessage : notnull, IBaseCommand
{
    public async ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken)
    {
        var db = services.GetRequiredService<PortalDbContext>();
        if (db.Database.CurrentTransaction is not null) return await next(message, cancellationToken);

        TResponse response;
        CommittedChanges committed;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                (response, committed) = await RunOnceAsync(db, message, next, cancellationToken);
                break;
            }
            catch (Exception e) when (message is IRetriedOnConflict && attempt < MaxAttempts && WriteConflicts.IsConflict(e))
            {
                // Rolled back; start again from what the database holds now.
                db.ChangeTracker.Clear();
                await Task.Delay(Random.Shared.Next(5, 20 * attempt), cancellationToken);
            }
        }

        if (!committed.IsEmpty) await services.GetRequiredService<CommitPublisher>().PublishAsync(committed);
        return response;
    }

    /// <summary>
    /// How often a <see cref="IRetriedOnConflict"/> command runs before the conflict reaches the client as 409. Eight: twelve
    /// writers on one incident on PostgreSQL on a loaded 2-core machine once used up five (a note answered 409 although nobody
    /// asked for a version); the random pauses grow with each attempt, so the worst case stays under a second.
    /// </summary>
    public const int MaxAttempts = 8;

    private static Task<(TResponse, CommittedChanges)> RunOnceAsync(PortalDbContext db, TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken) =>
        UnitOfWork.CommitAsync(db, $"{typeof(TMessage).Name}'s handler", ct => next(message, ct), cancellationToken);
}
