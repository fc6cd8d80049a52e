using Mediator;
using Portal.Data;
using Portal.Pipeline.Commit;

namespace Portal.Pipeline;

/// <summary>
/// A command runs in one database transaction: what it changes, and the live stream numbers of what it changed,
/// commit together or not at all. The handler saves its unit of work once (it needs the values the database
/// assigns, such as the version); this behaviour then numbers what was saved (<see cref="StreamSequences"/>),
/// commits, and hands the committed record to every feature's reaction (<see cref="CommitPublisher"/>).
/// Queries pass through untouched.
/// </summary>
public sealed class TransactionBehavior<TMessage, TResponse>(IServiceProvider services) : IPipelineBehavior<TMessage, TResponse>
    where TMessage : notnull, IMessage
{
    public async ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken)
    {
        if (message is not IBaseCommand) return await next(message, cancellationToken);
        var db = services.GetRequiredService<PortalDbContext>();
        if (db.Database.CurrentTransaction is not null) return await next(message, cancellationToken);

        TResponse response;
        CommittedChanges committed;
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            try
            {
                response = await next(message, cancellationToken);
                if (db.ChangeTracker.HasChanges())
                    throw new InvalidOperationException($"{typeof(TMessage).Name}'s handler left changes unsaved; a handler saves its unit of work once.");
                committed = await StreamSequences.StampAsync(db, db.TakeSavedChanges(), cancellationToken);
                await transaction.CommitAsync(cancellationToken);
            }
            catch
            {
                db.TakeSavedChanges(); // rolled back: nothing of it may be published by a later command of this scope
                throw;
            }
        }

        if (committed.Tenants.Count > 0) await services.GetRequiredService<CommitPublisher>().PublishAsync(committed);
        return response;
    }
}
