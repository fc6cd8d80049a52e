using Portal.Data;
using Portal.Domain;

namespace Portal.Features.Incidents;

/// <summary>What every incident command does around its one domain call: load through the filters, check the version, save, show.</summary>
internal static class IncidentChanges
{
    public static async Task<Incident> LoadForChangeAsync(this PortalDbContext db, Guid incidentId, long? expectedVersion, CancellationToken ct)
    {
        // Find looks in EF's identity map first (the access check has usually loaded it through this same filtered context,
        // which saves a query) and otherwise runs the filtered query, the same check. Correct either way, whatever ran before;
        // unlike Local, it does not detect changes over everything tracked to look.
        var incident = await db.Incidents.FindAsync([incidentId], ct)
            ?? throw new NotFoundException("incident", incidentId);
        incident.EnsureVersion(expectedVersion);
        return incident;
    }
}
