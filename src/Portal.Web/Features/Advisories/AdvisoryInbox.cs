using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Infrastructure.Auth;

namespace Portal.Features.Advisories;

public static class AdvisoryInbox
{
    /// <summary>
    /// Reads targets in the user's managed tenants only. The query filter on targets would also let a customer's own tenant
    /// through; the inbox is the MSP's, so the tenants are named here too.
    /// </summary>
    public static async Task<List<AdvisoryInboxItem>> ReadAsync(PortalDbContext db, UserAccess user, Guid? advisoryId, Guid? tenantId, bool unacknowledgedOnly,
        int limit, CancellationToken ct)
    {
        var managed = user.FullAccessTenants;
        var targets = db.AdvisoryTargets.AsNoTracking().Where(t => managed.Contains(t.TenantId));
        if (advisoryId is { } advisory) targets = targets.Where(t => t.AdvisoryId == advisory);
        if (tenantId is { } tenant) targets = targets.Where(t => t.TenantId == tenant);
        if (unacknowledgedOnly) targets = targets.Where(t => t.AcknowledgedAt == null);

        var rows = from t in targets
                   join a in db.Advisories on t.AdvisoryId equals a.Id
                   join o in db.Organisations on t.TenantId equals o.Id
                   join p in db.Organisations on a.ProviderId equals p.Id
                   // The tenant's latest linked incident: the open one of a second wave rather than the closed one it follows.
                   from i in db.Incidents.Where(i => i.AdvisoryId == t.AdvisoryId && i.TenantId == t.TenantId
                       && !db.Incidents.Any(later => later.AdvisoryId == i.AdvisoryId && later.TenantId == i.TenantId && later.Number > i.Number)).DefaultIfEmpty()
                   orderby t.AcknowledgedAt != null, a.Severity, a.PublishedAt descending, o.Name
                   select new AdvisoryInboxItem(a.Id, a.Title, a.ProviderId, p.Name, a.Severity, a.Status, a.PublishedAt,
                       t.TenantId, o.Name, t.Source, t.TargetedAt, t.AcknowledgedAt, t.AcknowledgedByName,
                       i != null ? i.Id : null, i != null ? i.Reference : null, i != null ? i.Status : null);
        return await rows.Take(limit).ToListAsync(ct);
    }

    public static async Task<AdvisoryInboxItem> OneAsync(PortalDbContext db, UserAccess user, Guid advisoryId, Guid tenantId, CancellationToken ct) =>
        (await ReadAsync(db, user, advisoryId, tenantId, false, 1, ct)).SingleOrDefault() ?? throw new NotFoundException("advisory target", tenantId);
}
