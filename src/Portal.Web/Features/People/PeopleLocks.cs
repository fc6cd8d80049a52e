using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Infrastructure.Data;

namespace Portal.Features.People;

/// <summary>
/// Changes to an organisation's people take the organisation's row first (a no-op UPDATE: a row lock on PostgreSQL and SQL
/// Server, the write lock on SQLite) and read after it. So rules that depend on the other members — one admin must remain,
/// no two pending invitations of one email — are decided on what the previous change committed: two admins demoting each
/// other at the same moment run one after the other, and the second is refused. Must run inside the command's transaction.
/// </summary>
public static class PeopleLocks
{
    /// <summary>Locks and loads (tracked) the organisation (<see cref="OrganisationRowLock"/>); a missing one is 404, like a foreign one.</summary>
    public static Task<Organisation> LockOrganisationAsync(PortalDbContext db, Guid organisationId, CancellationToken ct) =>
        OrganisationRowLock.LockAsync(db, organisationId, ct);
}

/// <summary>An organisation always keeps at least one member holding its kind's admin role (<see cref="RoleRules.AdminRoleOf"/>).</summary>
public static class AdminRule
{
    /// <summary>
    /// Call after <see cref="PeopleLocks.LockOrganisationAsync"/>, before the membership loses its admin role (a demotion) or goes
    /// (a removal): 409 <c>last_admin</c> when no other admin would remain — yourself included.
    /// </summary>
    public static async Task EnsureAnotherAdminRemainsAsync(PortalDbContext db, Organisation organisation, Membership leaving, CancellationToken ct)
    {
        var adminRole = RoleRules.AdminRoleOf(organisation.Kind);
        if (leaving.Role != adminRole) return;
        var others = await db.Memberships.CountAsync(m => m.OrganisationId == organisation.Id && m.Role == adminRole && m.Id != leaving.Id, ct);
        if (others == 0)
            throw new DomainRuleException("last_admin",
                $"This is the last {adminRole} of {organisation.Name}; an organisation always keeps one. Make someone else {adminRole} first.");
    }
}
