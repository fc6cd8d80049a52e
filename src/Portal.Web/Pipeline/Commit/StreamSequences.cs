using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Infrastructure.Data;

namespace Portal.Pipeline.Commit;

/// <summary>
/// Numbers each tenant's live streams inside the command's transaction, one number per timeline entry: the
/// UPDATE holds the tenant row until commit, so numbers follow commit order on every instance and a client that
/// sees 7 after 5 knows it missed one. The customer stream skips internal entries. Set-based: the tenants that
/// advance by the same amounts share one statement (a chunk of at most <see cref="ChunkSize"/> rows), and the UPDATE
/// returns the new numbers (RETURNING; OUTPUT on SQL Server); a command that touches one tenant runs one statement,
/// a fan-out to 100 tenants one too. Each tenant's block of numbers is contiguous and its entries take them in order.
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
                AccessChanged = AccessChangeOf(saved),
            };
        // The incidents as saved, taken from the instances the command saved (the version included) before the commit.
        var incidents = saved.Incidents.ToDictionary(i => i.Id, CommittedIncident.From);

        var byTenant = saved.TimelineEntries.GroupBy(e => e.TenantId)
            .Select(g => g.OrderBy(e => e.At).ThenBy(e => e.Sequence).ToList())
            .Select(entries => (TenantId: entries[0].TenantId, Entries: entries, CustomerVisible: entries.Count(e => e.Visibility == NoteVisibility.Customer)))
            .ToList();
        var heads = await AdvanceManyAsync(db, [.. byTenant.Select(t => (t.TenantId, t.Entries.Count, t.CustomerVisible))], ct);

        var tenants = new List<TenantChange>(byTenant.Count);
        foreach (var (tenantId, entries, customerVisible) in byTenant)
        {
            var head = heads[tenantId];
            var sequence = head.LastStreamSequence - entries.Count;
            var customerSequence = head.LastCustomerStreamSequence - customerVisible;
            tenants.Add(new TenantChange(tenantId, [.. entries.Select(e => new CommittedEntry(e, incidents[e.IncidentId], ++sequence,
                e.Visibility == NoteVisibility.Customer ? ++customerSequence : null))], head.LastCustomerStreamSequence));
        }
        return new CommittedChanges(tenants, progress)
        {
            Imports = imports, Advisories = await StampAdvisoriesAsync(db, saved.Advisories, ct), AdvisoryImpacts = await AdvisoryImpactsAsync(db, saved, ct),
            AccessChanged = AccessChangeOf(saved),
        };
    }

    private static AccessChange? AccessChangeOf(SavedChanges saved) =>
        saved.Access is { } access ? new AccessChange(access.UserIds, access.OrganisationIds, access.EntraTenantIds) : null;

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
                committed.Add(new CommittedAdvisory(advisory.Id, advisory.ProviderId, advisory.Title, advisory.Status, advisory.Announcement, advisory.UpdatedAt, 0, [], advisory.DroppedTenantIds));
                continue;
            }
            var provider = await AdvanceAsync(db, advisory.ProviderId, 1, 0, ct);
            // Tenants it no longer targets are told too: their open status pages refetch and drop it (they had seen it).
            var heads = await AdvanceManyAsync(db, [.. advisory.TargetTenantIds.Union(advisory.DroppedTenantIds).Select(id => (id, 1, 1))], ct, requireEvery: false);
            List<AdvisoryTenantSequence> tenants = [.. heads.Values.Select(h => new AdvisoryTenantSequence(h.Id, h.LastStreamSequence, h.LastCustomerStreamSequence))];
            committed.Add(new CommittedAdvisory(advisory.Id, advisory.ProviderId, advisory.Title, advisory.Status, advisory.Announcement, advisory.UpdatedAt,
                provider.LastStreamSequence, tenants, advisory.DroppedTenantIds) { NewTargetTenantIds = advisory.NewTargetTenantIds });
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

    /// <summary>Rows per numbering statement: well under every provider's parameter limit (SQL Server's 2,100).</summary>
    public const int ChunkSize = 500;

    private static async Task<StreamHead> AdvanceAsync(PortalDbContext db, Guid organisationId, int all, int customerVisible, CancellationToken ct) =>
        (await AdvanceManyAsync(db, [(organisationId, all, customerVisible)], ct))[organisationId];

    /// <summary>
    /// Advances the streams of many organisations, each by its own amounts, and returns every organisation's new head. The
    /// organisations that advance by the same amounts share one UPDATE … RETURNING per <see cref="ChunkSize"/> of them, in id
    /// order (concurrent commands lock shared rows in the same order). Throws if an organisation has no row, unless told not to
    /// (an advisory's dropped targets: a row that is gone has no stream to tell).
    /// </summary>
    internal static async Task<Dictionary<Guid, StreamHead>> AdvanceManyAsync(PortalDbContext db, IReadOnlyList<(Guid Id, int All, int CustomerVisible)> advances, CancellationToken ct, bool requireEvery = true)
    {
        var heads = new Dictionary<Guid, StreamHead>(advances.Count);
        var sqlServer = db.ProviderName == PortalDbContext.SqlServerProvider;
        foreach (var group in advances.GroupBy(a => (a.All, a.CustomerVisible)).OrderBy(g => g.Key))
        {
            var (all, customerVisible) = group.Key;
            foreach (var chunk in group.Select(a => a.Id).Distinct().Order().Chunk(ChunkSize))
            {
                var sql = AdvanceSql(sqlServer, chunk.Length);
                object[] parameters = [all, customerVisible, .. chunk.Cast<object>()];
                // Read directly (RawSql), not through SqlQueryRaw: the query pipeline cannot cache a raw statement's command and rebuilt
                // it on every change (measured: 0.3 ms CPU of a note's ~2.5).
                foreach (var head in await RawSql.ReadAsync(db, sql, parameters, StreamHead.Read, ct)) heads[head.Id] = head;
            }
        }
        if (requireEvery && heads.Count != advances.Select(a => a.Id).Distinct().Count())
        {
            var missing = advances.First(a => !heads.ContainsKey(a.Id)).Id;
            throw new InvalidOperationException($"Organisation {missing} has no stream row.");
        }
        return heads;
    }

    /// <summary>The numbering statement for <paramref name="organisations"/> ids: {0} and {1} are the amounts, {2}… the ids (parameters all, never text).</summary>
    /// <remarks>Written once per provider and length (at most <see cref="ChunkSize"/>), not on every change.</remarks>
    internal static string AdvanceSql(bool sqlServer, int organisations) => AdvanceStatements.GetOrAdd((sqlServer, organisations), static key => WriteAdvanceSql(key.SqlServer, key.Organisations));

    private static readonly ConcurrentDictionary<(bool SqlServer, int Organisations), string> AdvanceStatements = new();

    private static string WriteAdvanceSql(bool sqlServer, int organisations)
    {
        var ids = RawSql.Placeholders(2, organisations);
        return sqlServer
            ? $$"""
              UPDATE [Organisations]
              SET [LastStreamSequence] = [LastStreamSequence] + {0}, [LastCustomerStreamSequence] = [LastCustomerStreamSequence] + {1}
              OUTPUT INSERTED.[Id], INSERTED.[LastStreamSequence], INSERTED.[LastCustomerStreamSequence]
              WHERE [Id] IN ({{ids}})
              """
            : $$"""
              UPDATE "Organisations"
              SET "LastStreamSequence" = "LastStreamSequence" + {0}, "LastCustomerStreamSequence" = "LastCustomerStreamSequence" + {1}
              WHERE "Id" IN ({{ids}})
              RETURNING "Id", "LastStreamSequence", "LastCustomerStreamSequence"
              """;
    }

    /// <summary>The numbers a stream's row holds after an advance (the column names of <c>Organisations</c>).</summary>
    internal sealed class StreamHead
    {
        public Guid Id { get; init; }
        public long LastStreamSequence { get; init; }
        public long LastCustomerStreamSequence { get; init; }

        public static StreamHead Read(System.Data.Common.DbDataReader row) =>
            new() { Id = row.GetGuid(0), LastStreamSequence = row.GetInt64(1), LastCustomerStreamSequence = row.GetInt64(2) };
    }
}
