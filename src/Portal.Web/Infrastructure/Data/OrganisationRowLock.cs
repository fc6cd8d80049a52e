using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;

namespace Portal.Infrastructure.Data;

/// <summary>
/// Takes an organisation's row for the rest of the transaction (a no-op UPDATE: a row lock on PostgreSQL and SQL Server, the
/// write lock on SQLite), then loads it (tracked). What is read after it is what the previous holder committed: changes of one
/// organisation's people or settings run one after another. A missing organisation is 404, like a foreign one.
/// </summary>
public static class OrganisationRowLock
{
    public static async Task<Organisation> LockAsync(PortalDbContext db, Guid organisationId, CancellationToken ct)
    {
        if (db.Database.CurrentTransaction is null) throw new InvalidOperationException("Lock an organisation inside the command's transaction.");
        var locked = await db.Organisations.Where(o => o.Id == organisationId)
            .ExecuteUpdateAsync(s => s.SetProperty(o => o.Name, o => o.Name), ct);
        if (locked == 0) throw new NotFoundException("organisation", organisationId);
        return await db.Organisations.SingleAsync(o => o.Id == organisationId, ct);
    }
}
