using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;

namespace Portal.Pipeline.Commit;

/// <summary>
/// Numbers each tenant's live streams inside the command's transaction, one number per timeline entry: the
/// UPDATE holds the tenant row until commit, so numbers follow commit order on every instance and a client that
/// sees 7 after 5 knows it missed one. The customer stream skips internal entries. One statement per tenant:
/// the UPDATE returns the new numbers (RETURNING; OUTPUT on SQL Server).
/// </summary>
public static class StreamSequences
{
    /// <summary>The record of what the command saved, numbered; called after its last save, inside its transaction.</summary>
    public static async Task<CommittedChanges> StampAsync(PortalDbContext db, SavedChanges saved, CancellationToken ct)
    {
        List<CommittedProgress> progress = [.. saved.Progress.Select(CommittedProgress.From)];
        List<CommittedImport> imports = [.. saved.Imports.Select(CommittedImport.From)];
        if (saved.TimelineEntries.Count == 0)
            return new CommittedChanges([], progress)
            {
                Imports = imports, Advisories = await StampAdvisoriesAsync(db, saved.Advisories, ct), AdvisoryImpacts = await AdvisoryImpactsAsync(db, saved, ct),
            };
        // The incidents as saved, taken from the instances the command saved (the version included) before the commit.
        var incidents = saved.Incidents.ToDictionary(i => i.Id, CommittedIncident.From);

        var tenants = new List<TenantChange>();
        foreach (var tenant in saved.TimelineEntries.GroupBy(e => e.TenantId))
        {
            var entries = tenant.OrderBy(e => e.At).ThenBy(e => e.Sequence).ToList();
            var customerVisible = entries.Count(e => e.Visibility == NoteVisibility.Customer);
            var head = await AdvanceAsync(db, tenant.Key, entries.Count, customerVisible, ct);

            var sequence = head.LastStreamSequence - entries.Count;
            var customerSequence = head.LastCustomerStreamSequence - customerVisible;
            tenants.Add(new TenantChange(tenant.Key, [.. entries.Select(e => new CommittedEntry(e, incidents[e.IncidentId], ++sequence,
                e.Visibility == NoteVisibility.Customer ? ++customerSequence : null))], head.LastCustomerStreamSequence));
        }
        return new CommittedChanges(tenants, progress)
        {
            Imports = imports, Advisories = await StampAdvisoriesAsync(db, saved.Advisories, ct), AdvisoryImpacts = await AdvisoryImpactsAsync(db, saved, ct),
        };
    }

    /// <summary>
    /// The advisories whose counts this unit of work moved: those it touched directly, and those linked to an incident whose
    /// remediation counters it saved (a link never changes once the incident exists). At most two small reads, inside the
    /// transaction, and none for a unit of work that touched neither.
    /// </summary>
    private static async Task<List<AdvisoryImpactChange>> AdvisoryImpactsAsync(PortalDbContext db, SavedChanges saved, CancellationToken ct)
    {
        var advisoryIds = saved.TouchedAdvisoryIds.ToHashSet();
        var progressIncidents = saved.Progress.Select(p => p.IncidentId).Distinct().ToList();
        if (progressIncidents.Count > 0)
        {
            // System-wide on purpose: the link is what is read here, not the incident (the filters would hide it from a job).
            advisoryIds.UnionWith(await db.Incidents.IgnoreQueryFilters()
                .Where(i => progressIncidents.Contains(i.Id) && i.AdvisoryId != null).Select(i => i.AdvisoryId!.Value).Distinct().ToListAsync(ct));
        }
        if (advisoryIds.Count == 0) return [];
        var ids = advisoryIds.ToList();
        return await db.Advisories.IgnoreQueryFilters().Where(a => ids.Contains(a.Id))
            .Select(a => new AdvisoryImpactChange(a.Id, a.ProviderId)).ToListAsync(ct);
    }

    /// <summary>One number on the provider's stream per announced advisory, and one on each targeted (or just dropped) tenant's two streams, set-based.</summary>
    private static async Task<List<CommittedAdvisory>> StampAdvisoriesAsync(PortalDbContext db, IReadOnlyCollection<SavedAdvisory> saved, CancellationToken ct)
    {
        var committed = new List<CommittedAdvisory>(saved.Count);
        foreach (var advisory in saved)
        {
            if (advisory.Announcement == AdvisoryAnnouncement.None)
            {
                committed.Add(new CommittedAdvisory(advisory.Id, advisory.ProviderId, advisory.Title, advisory.Status, advisory.Announcement, 0, [], advisory.DroppedTenantIds));
                continue;
            }
            var provider = await AdvanceAsync(db, advisory.ProviderId, 1, 0, ct);
            List<AdvisoryTenantSequence> tenants = [];
            // Tenants it no longer targets are told too: their open status pages refetch and drop it (they had seen it).
            foreach (var chunk in advisory.TargetTenantIds.Union(advisory.DroppedTenantIds).Chunk(500))
            {
                // The UPDATE holds the rows until commit, so the numbers read back are this transaction's.
                var rows = db.Organisations.Where(o => chunk.Contains(o.Id));
                await rows.ExecuteUpdateAsync(s => s
                    .SetProperty(o => o.LastStreamSequence, o => o.LastStreamSequence + 1)
                    .SetProperty(o => o.LastCustomerStreamSequence, o => o.LastCustomerStreamSequence + 1), ct);
                tenants.AddRange(await rows.Select(o => new AdvisoryTenantSequence(o.Id, o.LastStreamSequence, o.LastCustomerStreamSequence)).ToListAsync(ct));
            }
            committed.Add(new CommittedAdvisory(advisory.Id, advisory.ProviderId, advisory.Title, advisory.Status, advisory.Announcement,
                provider.LastStreamSequence, tenants, advisory.DroppedTenantIds));
        }
        return committed;
    }

    /// <summary>
    /// For events outside an incident command (advisories, escalations): the next number of an organisation's
    /// stream, and of its customer stream too when the event is customer-visible.
    /// </summary>
    public static async Task<(long Sequence, long? CustomerSequence)> NextAsync(PortalDbContext db, Guid organisationId, bool customerVisible, CancellationToken ct)
    {
        await using var transaction = db.Database.CurrentTransaction is null ? await db.Database.BeginTransactionAsync(ct) : null;
        var head = await AdvanceAsync(db, organisationId, 1, customerVisible ? 1 : 0, ct);
        if (transaction is not null) await transaction.CommitAsync(ct);
        return (head.LastStreamSequence, customerVisible ? head.LastCustomerStreamSequence : null);
    }

    private static async Task<StreamHead> AdvanceAsync(PortalDbContext db, Guid organisationId, int all, int customerVisible, CancellationToken ct)
    {
        var query = db.Database.ProviderName == PortalDbContext.SqlServerProvider
            ? db.Database.SqlQuery<StreamHead>($"""
                UPDATE [Organisations]
                SET [LastStreamSequence] = [LastStreamSequence] + {all}, [LastCustomerStreamSequence] = [LastCustomerStreamSequence] + {customerVisible}
                OUTPUT INSERTED.[LastStreamSequence], INSERTED.[LastCustomerStreamSequence]
                WHERE [Id] = {organisationId}
                """)
            : db.Database.SqlQuery<StreamHead>($"""
                UPDATE "Organisations"
                SET "LastStreamSequence" = "LastStreamSequence" + {all}, "LastCustomerStreamSequence" = "LastCustomerStreamSequence" + {customerVisible}
                WHERE "Id" = {organisationId}
                RETURNING "LastStreamSequence", "LastCustomerStreamSequence"
                """);
        var heads = await query.ToListAsync(ct);
        return heads.Count == 1 ? heads[0] : throw new InvalidOperationException($"Organisation {organisationId} has no stream row.");
    }

    /// <summary>The numbers a stream's row holds after an advance (the column names of <c>Organisations</c>).</summary>
    private sealed class StreamHead
    {
        public long LastStreamSequence { get; init; }
        public long LastCustomerStreamSequence { get; init; }
    }
}
