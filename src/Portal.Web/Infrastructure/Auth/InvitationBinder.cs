using System.Data.Common;
using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Pipeline.Commit;

namespace Portal.Infrastructure.Auth;

/// <summary>
/// Binds pending invitations at a person's first sign-in: a token whose (tid, oid) is no Portal user yet (or one without
/// access), whose email (<c>preferred_username</c>, else <c>email</c>, normalised like the invitation's) equals a pending
/// invitation's, and whose <c>tid</c> is the Entra tenant of the inviting organisation. Then, in one transaction: the
/// <see cref="User"/> (tid, oid) if missing, the membership, the invitation accepted, an audit line. A token from another Entra
/// tenant with the same email binds nothing. Two first requests at once: the unique indexes on (tid, oid) and on the
/// membership let one commit; the other finds the user bound when it resolves again.
/// </summary>
public sealed partial class InvitationBinder(IServiceScopeFactory scopes, TimeProvider clock, ILogger<InvitationBinder> logger)
{
    /// <summary>True when something was bound (by this call or a concurrent first request of the same person): the caller resolves again.</summary>
    public async Task<bool> TryBindAsync(ClaimsPrincipal principal, Guid tid, Guid oid, CancellationToken ct)
    {
        var claimed = principal.FindFirst("preferred_username")?.Value ?? principal.FindFirst("email")?.Value ?? principal.FindFirst(ClaimTypes.Email)?.Value;
        if (!EmailAddress.TryNormalise(claimed, out var email, out _)) return false;

        await using var scope = scopes.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantScope>().UseSystemAccess();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var now = clock.GetUtcNow();
        // The usual case: nothing to bind, one query, no transaction. An invitation accepted a moment ago counts too: a concurrent
        // first request of the same person may have bound it while this one was being resolved as nobody.
        var recently = now - RecentlyAccepted;
        var candidates = from i in db.Invitations
                         join o in db.Organisations on i.OrganisationId equals o.Id
                         where i.Email == email && o.EntraTenantId == tid && o.DeactivatedAt == null && i.RevokedAt == null
                               && ((i.AcceptedAt == null && i.ExpiresAt > now) || i.AcceptedAt >= recently)
                         select i.Id;
        if (!await candidates.AnyAsync(ct)) return false;

        var name = principal.FindFirst("name")?.Value is { Length: > 0 } n ? n.Trim() : email;
        try
        {
            var (bound, _) = await UnitOfWork.CommitAsync(db, "Invitation binding", async c =>
            {
                var invitations = await PendingFor(db, email, tid, now).ToListAsync(c);
                if (invitations.Count == 0) return 0; // a concurrent first request of the same person took them: see below
                var organisationIds = invitations.Select(i => i.OrganisationId).ToList();
                var organisations = await db.Organisations.Where(o => organisationIds.Contains(o.Id)).ToDictionaryAsync(o => o.Id, c);
                var user = await db.Users.Include(u => u.Memberships).SingleOrDefaultAsync(u => u.EntraTenantId == tid && u.EntraObjectId == oid, c);
                if (user is null)
                {
                    user = new User(Guid.CreateVersion7(now), PlainText.Shorten(name, 200), email, tid, oid);
                    db.Users.Add(user);
                }
                var count = 0;
                foreach (var invitation in invitations)
                {
                    var organisation = organisations[invitation.OrganisationId];
                    try
                    {
                        invitation.Accept(user, organisation, now);
                    }
                    catch (DomainRuleException e)
                    {
                        LogNotBound(logger, invitation.Id, e.Code);
                        continue;
                    }
                    db.AuditEntries.Add(new AuditEntry(organisation.Id, now, user.Id, user.DisplayName, "invitation_accepted",
                        $"{user.DisplayName} ({email}) accepted the invitation as {invitation.Role}, signing in from Entra tenant {tid}"));
                    count++;
                }
                if (count == 0) db.ChangeTracker.Clear(); // e.g. a known user whose stored email differs: nothing is saved
                await db.SaveChangesAsync(c);
                return count;
            }, ct);
            if (bound > 0)
            {
                LogBound(logger, bound, tid);
                return true;
            }
        }
        catch (DbUpdateException e) when (e.InnerException is DbException)
        {
            // A concurrent first request of the same person committed first (unique user or membership): it is bound.
            LogLostRace(logger, e.InnerException.Message);
        }
        // Nothing bound by this call: a concurrent first request of the same person may have bound it meanwhile (it committed
        // first, and this call then found nothing pending or hit the unique index). Then this request resolves them too.
        db.ChangeTracker.Clear();
        return await db.Users.AnyAsync(u => u.EntraTenantId == tid && u.EntraObjectId == oid, ct);
    }

    private static readonly TimeSpan RecentlyAccepted = TimeSpan.FromMinutes(1);

    private static IQueryable<Invitation> PendingFor(PortalDbContext db, string email, Guid tid, DateTimeOffset now) =>
        from i in db.Invitations
        join o in db.Organisations on i.OrganisationId equals o.Id
        where i.Email == email && i.AcceptedAt == null && i.RevokedAt == null && i.ExpiresAt > now
              && o.EntraTenantId == tid && o.DeactivatedAt == null
        select i;

    [LoggerMessage(Level = LogLevel.Information, Message = "Bound {Count} invitation(s) at a first sign-in from Entra tenant {EntraTenantId}")]
    private static partial void LogBound(ILogger logger, int count, Guid entraTenantId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Invitation {InvitationId} not bound: {Code}")]
    private static partial void LogNotBound(ILogger logger, Guid invitationId, string code);

    [LoggerMessage(Level = LogLevel.Information, Message = "A concurrent sign-in bound the invitation first: {Reason}")]
    private static partial void LogLostRace(ILogger logger, string reason);
}
