using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Infrastructure.Text;

namespace Portal.Features.Advisories;

/// <summary>Reading an advisory into its view: the one place that knows how (used after a change and by the queries).</summary>
public static class AdvisoryReads
{
    public static async Task<AdvisoryView> ViewAsync(PortalDbContext db, SafeMarkdown markdown, Guid advisoryId, CancellationToken ct)
    {
        var advisory = await db.Advisories.AsNoTracking().Include(a => a.Services).SingleOrDefaultAsync(a => a.Id == advisoryId, ct)
                       ?? throw new NotFoundException("advisory", advisoryId);
        var providerName = await db.Organisations.Where(o => o.Id == advisory.ProviderId).Select(o => o.Name).SingleAsync(ct);
        var serviceIds = advisory.Services.Select(s => s.ServiceId).ToList();
        var services = await db.Services.AsNoTracking().Where(s => serviceIds.Contains(s.Id)).OrderBy(s => s.Name)
            .Select(s => new AdvisoryServiceView(s.Id, s.Name)).ToListAsync(ct);
        var updates = await db.AdvisoryUpdates.AsNoTracking().Where(u => u.AdvisoryId == advisoryId).OrderBy(u => u.Number).ToListAsync(ct);
        return new AdvisoryView(advisory.Id, advisory.ProviderId, providerName, advisory.Title, advisory.Severity, advisory.Status, advisory.Impact,
            advisory.Runbook, markdown.ToHtml(advisory.Runbook), services, advisory.RegionList, advisory.PublishedAt, advisory.UpdatedAt,
            advisory.ResolvedAt, advisory.Revision, [.. updates.Select(u => AdvisoryUpdateView.From(u, markdown))], advisory.Version);
    }

    /// <summary>The advisory as the current unit of work left it (tracked), after its save: a change answers with it.</summary>
    public static async Task<AdvisoryView> ViewAfterChangeAsync(PortalDbContext db, SafeMarkdown markdown, Advisory advisory, CancellationToken ct)
    {
        var view = await ViewAsync(db, markdown, advisory.Id, ct);
        return view with { Version = advisory.Version };
    }
}
