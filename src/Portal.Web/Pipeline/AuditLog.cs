using Portal.Data;
using Portal.Domain;
using Portal.Infrastructure.Auth;

namespace Portal.Pipeline;

/// <summary>
/// Records an administrative change in the audit log of each organisation it concerns. Call it in the handler before it
/// saves: the entry is part of the same unit of work, so it commits (or rolls back) with the change it describes.
/// </summary>
public sealed class AuditLog(PortalDbContext db, CurrentUser currentUser, TimeProvider clock)
{
    public void Record(Guid organisationId, string action, string detail)
    {
        var user = currentUser.Access;
        db.AuditEntries.Add(new AuditEntry(organisationId, clock.GetUtcNow(), user?.UserId, user?.DisplayName ?? "Portal", action, detail));
    }

    /// <summary>One change seen by two organisations (a contract between an MSP and a customer): each keeps its own line.</summary>
    public void Record(IEnumerable<Guid> organisationIds, string action, string detail)
    {
        foreach (var id in organisationIds.Distinct()) Record(id, action, detail);
    }
}
