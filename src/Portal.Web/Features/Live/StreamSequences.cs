using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;

namespace Portal.Features.Live;

/// <summary>One timeline entry a committed command added, with its numbers in the tenant's full and customer streams.</summary>
public sealed record StampedEntry(TimelineEntry Entry, long Sequence, long? CustomerSequence);

/// <summary>What one committed command changed in one tenant, in order.</summary>
public sealed record TenantChange(Guid TenantId, IReadOnlyList<StampedEntry> Entries);

/// <summary>
/// Numbers each tenant's live streams inside the command's transaction, one number per timeline entry:
/// the UPDATE holds the tenant row until commit, so numbers follow commit order on every instance and a
/// client that sees 7 after 5 knows it missed one. The customer stream skips internal entries.
/// </summary>
public static class StreamSequences
{
    public static async Task<IReadOnlyList<TenantChange>> StampAsync(PortalDbContext db, CancellationToken ct)
    {
        var changes = new List<TenantChange>();
        foreach (var tenant in db.SavedTimelineEntries.GroupBy(e => e.TenantId))
        {
            var entries = tenant.OrderBy(e => e.At).ThenBy(e => e.Sequence).ToList();
            var all = entries.Count;
            var customerVisible = entries.Count(e => e.Visibility == NoteVisibility.Customer);
            var row = db.Organisations.Where(o => o.Id == tenant.Key);
            await row.ExecuteUpdateAsync(s => s
                .SetProperty(o => o.LastStreamSequence, o => o.LastStreamSequence + all)
                .SetProperty(o => o.LastCustomerStreamSequence, o => o.LastCustomerStreamSequence + customerVisible), ct);
            var last = await row.Select(o => new { o.LastStreamSequence, o.LastCustomerStreamSequence }).SingleAsync(ct);

            var sequence = last.LastStreamSequence - all;
            var customerSequence = last.LastCustomerStreamSequence - customerVisible;
            changes.Add(new TenantChange(tenant.Key, [.. entries.Select(e => new StampedEntry(e, ++sequence,
                e.Visibility == NoteVisibility.Customer ? ++customerSequence : null))]));
        }
        return changes;
    }

    /// <summary>
    /// For events outside an incident command (advisories, escalations): the next number of an organisation's
    /// stream, and of its customer stream too when the event is customer-visible.
    /// </summary>
    public static async Task<(long Sequence, long? CustomerSequence)> NextAsync(PortalDbContext db, Guid organisationId, bool customerVisible, CancellationToken ct)
    {
        var row = db.Organisations.Where(o => o.Id == organisationId);
        var customer = customerVisible ? 1 : 0;
        await using var transaction = db.Database.CurrentTransaction is null ? await db.Database.BeginTransactionAsync(ct) : null;
        await row.ExecuteUpdateAsync(s => s
            .SetProperty(o => o.LastStreamSequence, o => o.LastStreamSequence + 1)
            .SetProperty(o => o.LastCustomerStreamSequence, o => o.LastCustomerStreamSequence + customer), ct);
        var last = await row.Select(o => new { o.LastStreamSequence, o.LastCustomerStreamSequence }).SingleAsync(ct);
        if (transaction is not null) await transaction.CommitAsync(ct);
        return (last.LastStreamSequence, customerVisible ? last.LastCustomerStreamSequence : null);
    }
}
