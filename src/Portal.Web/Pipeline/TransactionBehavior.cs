using Mediator;
using Portal.Data;

namespace Portal.Pipeline;

/// <summary>Published after a command's transaction has committed (never before), naming the customer tenants it changed.</summary>
public sealed record TenantsChanged(IReadOnlyCollection<Guid> TenantIds) : INotification;

/// <summary>
/// A command runs in one database transaction: what it changes (and, later, what it puts in the outbox)
/// commits together or not at all. After the commit it publishes <see cref="TenantsChanged"/> so caches and
/// live streams follow. Queries pass through untouched.
/// </summary>
public sealed class TransactionBehavior<TMessage, TResponse>(PortalDbContext db, IPublisher publisher) : IPipelineBehavior<TMessage, TResponse>
    where TMessage : notnull, IMessage
{
    public async ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken)
    {
        if (message is not IBaseCommand || db.Database.CurrentTransaction is not null) return await next(message, cancellationToken);

        TResponse response;
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            response = await next(message, cancellationToken);
            if (db.ChangeTracker.HasChanges()) await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        if (db.ChangedTenantIds.Count > 0)
        {
            // The change is durable now; listeners must not be able to undo it, so they get no cancellation.
            await publisher.Publish(new TenantsChanged([.. db.ChangedTenantIds]), CancellationToken.None);
        }
        return response;
    }
}
