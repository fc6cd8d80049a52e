using Mediator;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Infrastructure.Text;
using Portal.Pipeline;

namespace Portal.Features.Advisories;

/// <summary>The runbook of the advisory an incident was opened from, rendered safely: the steps its remediation tasks follow.</summary>
public sealed record IncidentRunbookView(Guid AdvisoryId, string AdvisoryTitle, string ProviderName, string? RunbookHtml);

/// <summary>For the remediation page of a linked incident; null when the incident has no advisory.</summary>
[Requires(Permission.WorkRemediation)]
public sealed record GetIncidentRunbook(Guid IncidentId) : IQuery<IncidentRunbookView?>, IIncidentRequest;

public sealed class GetIncidentRunbookHandler(PortalDbContext db, SafeMarkdown markdown) : IQueryHandler<GetIncidentRunbook, IncidentRunbookView?>
{
    public async ValueTask<IncidentRunbookView?> Handle(GetIncidentRunbook query, CancellationToken cancellationToken)
    {
        var advisoryId = await db.Incidents.Where(i => i.Id == query.IncidentId).Select(i => i.AdvisoryId).SingleAsync(cancellationToken);
        if (advisoryId is null) return null;
        var advisory = await db.Advisories.AsNoTracking().Where(a => a.Id == advisoryId)
            .Select(a => new { a.Id, a.Title, a.Runbook, Provider = db.Organisations.Where(o => o.Id == a.ProviderId).Select(o => o.Name).First() })
            .SingleOrDefaultAsync(cancellationToken);
        return advisory is null ? null
            : new IncidentRunbookView(advisory.Id, advisory.Title, advisory.Provider, advisory.Runbook is null ? null : markdown.ToHtml(advisory.Runbook));
    }
}
