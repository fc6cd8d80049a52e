using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Infrastructure.Data;

namespace Portal.Features.People;

/// <summary>An organisation always keeps at least one member holding its kind's admin role (<see cref="RoleRules.AdminRoleOf"/>).</summary>
public static class AdminRule
{
    /// <summary>
    /// Call after <see cref="OrganisationRowLock.LockAsync"/> (so two admins demoting each other at once run one after the other), before the membership loses its admin role (a demotion) or goes
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
