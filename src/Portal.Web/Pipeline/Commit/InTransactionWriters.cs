using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Portal.Data;

namespace Portal.Pipeline.Commit;

/// <summary>
/// Runs every feature's <see cref="IInTransactionWriter"/> inside the unit of work's transaction, then adds to the record
/// the outbox rows the whole unit of work saved (the handler's own and the writers'). The writers are the application's
/// services the context was built with (none for a context built by hand, e.g. a test's oracle).
/// </summary>
public static class InTransactionWriters
{
    public static async Task<CommittedChanges> RunAsync(PortalDbContext db, CommittedChanges committed, CancellationToken cancellationToken)
    {
        var services = db.GetService<IDbContextOptions>().FindExtension<CoreOptionsExtension>()?.ApplicationServiceProvider;
        if (services?.GetService(typeof(IEnumerable<IInTransactionWriter>)) is IEnumerable<IInTransactionWriter> writers)
        {
            foreach (var writer in writers) await writer.WriteAsync(db, committed, cancellationToken);
        }
        if (AnyUnsaved(db)) throw new InvalidOperationException("An in-transaction writer left changes unsaved.");
        var outbox = db.TakeSavedOutbox();
        return outbox.Count == 0 ? committed : committed with { Outbox = outbox };
    }

    /// <summary>
    /// Writers add rows; a row added and not saved is still Added. Read from the tracker's states without DetectChanges, which
    /// would compare every tracked entity's properties once more after the unit of work's own check (<see cref="UnitOfWork"/>).
    /// </summary>
    private static bool AnyUnsaved(PortalDbContext db)
    {
        var autoDetect = db.ChangeTracker.AutoDetectChangesEnabled;
        db.ChangeTracker.AutoDetectChangesEnabled = false;
        try
        {
            foreach (var entry in db.ChangeTracker.Entries())
                if (entry.State != EntityState.Unchanged) return true;
            return false;
        }
        finally
        {
            db.ChangeTracker.AutoDetectChangesEnabled = autoDetect;
        }
    }
}
