using Mediator;
using Portal.Data;
using Portal.Features.Live;

namespace Portal.Pipeline;

/// <summary>Published after a command's transaction has committed (never before): what changed, per tenant, with live stream numbers.</summary>
public sealed record ChangesCommitted(IReadOnlyList<TenantChange> Changes) : INotification
{
    public IEnumerable<Guid> TenantIds => Changes.Select(c => c.TenantId);
}

/// <summary>
/// A command runs in one database transaction: what it changes, and the sequence numbers of the live
/// events it causes, commit together or not at all. After the commit it publishes
/// <see cref="ChangesCommitted"/> so caches and live streams follow. Queries pass through untouched.
/// </summary>
public sealed class TransactionBehavior<TMessage, TResponse>(IServiceProvider services, IPublisher publisher) : IPipelineBehavior<TMessage, TResponse>
    where TMessage : notnull, IMessage
{
    public async ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken)
    {
        if (message is not IBaseCommand) return await next(message, cancellationToken);
        var db = services.GetRequiredService<PortalDbContext>();
        if (db.Database.CurrentTransaction is not null) return await next(message, cancellationToken);

        TResponse response;
        IReadOnlyList<TenantChange> changes;
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            response = await next(message, cancellationToken);
            if (db.ChangeTracker.HasChanges()) await db.SaveChangesAsync(cancellationToken);
            changes = await StreamSequences.StampAsync(db, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        if (changes.Count > 0)
        {
            // The change is durable now; listeners must not be able to undo it, so they get no cancellation.
            await publisher.Publish(new ChangesCommitted(changes), CancellationToken.None);
        }
        return response;
    }
}
