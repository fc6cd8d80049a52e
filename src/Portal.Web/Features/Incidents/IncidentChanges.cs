using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Pipeline;

namespace Portal.Features.Incidents;

/// <summary>What every incident command does around its one domain call: load through the filters, check the version, save, show.</summary>
internal static class IncidentChanges
{
    public static async Task<Incident> LoadForChangeAsync(this PortalDbContext db, Guid incidentId, long? expectedVersion, CancellationToken ct)
    {
        // Usually already tracked: the access check loaded it through the same filtered context.
        var incident = db.Incidents.Local.FirstOrDefault(i => i.Id == incidentId)
            ?? await db.Incidents.SingleOrDefaultAsync(i => i.Id == incidentId, ct)
            ?? throw new NotFoundException("incident", incidentId);
        incident.EnsureVersion(expectedVersion);
        return incident;
    }
}
